namespace EventBus.DependencyInjection.Internal;

/// <summary>The injectable <see cref="IPublisher{TEvent}"/>: a bus publisher for <typeparamref name="TEvent"/>,
/// resolved once per container.</summary>
internal sealed class TypedPublisher<TEvent>(IEventBus bus) : IPublisher<TEvent>
{
    private readonly IPublisher<TEvent> _inner = bus.GetPublisher<TEvent>();

    public string? Topic => null;

    public ValueTask PublishAsync(TEvent @event, CancellationToken cancellationToken = default) => _inner.PublishAsync(@event, cancellationToken);

    public void Publish(TEvent @event) => _inner.Publish(@event);
}
