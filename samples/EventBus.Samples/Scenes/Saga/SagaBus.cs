namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// How every participant publishes: the order id travels as the correlation id, and a header names
/// the publisher, so the timeline can say who said what without any participant knowing the others.
/// </summary>
internal sealed class SagaBus(IEventBus bus)
{
    public const string ProducerHeader = "producer";

    public ValueTask PublishAsync<TMessage>(TMessage message, string producer, CancellationToken cancellationToken)
        where TMessage : ISagaMessage =>
        bus.PublishAsync(message, new PublishOptions
        {
            CorrelationId = message.OrderId,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { [ProducerHeader] = producer },
        }, cancellationToken);
}
