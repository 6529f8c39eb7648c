using System.Globalization;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// How every participant publishes. The order id travels as the correlation id (which saga), the
/// id of the message being handled as the causation id (which message caused this one), with a
/// step number one past the cause's, and a header names the publisher. None of it makes one
/// participant know another; it lets anyone reading the messages rebuild the story.
/// </summary>
internal sealed class SagaBus(IEventBus bus)
{
    public const string ProducerHeader = "producer";
    public const string CausationHeader = "causation-id";
    public const string StepHeader = "step";

    /// <summary>Publishes <paramref name="message"/> on behalf of <paramref name="producer"/>.</summary>
    /// <param name="message">The command or event.</param>
    /// <param name="producer">The publishing participant's name.</param>
    /// <param name="cause">The context of the message being handled, or <see langword="null"/> for the first message of a saga.</param>
    /// <param name="cancellationToken">Cancels a wait for buffer space.</param>
    public ValueTask PublishAsync<TMessage>(TMessage message, string producer, EventContext? cause, CancellationToken cancellationToken)
        where TMessage : ISagaMessage
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ProducerHeader] = producer,
            [StepHeader] = (StepOf(cause) + 1).ToString(CultureInfo.InvariantCulture),
        };
        if (cause is not null)
        {
            headers[CausationHeader] = cause.Id.ToString();
        }

        return bus.PublishAsync(message, new PublishOptions { CorrelationId = message.OrderId, Headers = headers }, cancellationToken);
    }

    /// <summary>The step number a message carries; 0 when it carries none.</summary>
    public static int StepOf(EventContext? context) =>
        context is not null && context.Headers.TryGetValue(StepHeader, out var step) ? int.Parse(step, CultureInfo.InvariantCulture) : 0;
}
