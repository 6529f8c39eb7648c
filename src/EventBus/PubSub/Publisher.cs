using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>A publisher bound to one event type and topic: its route is resolved once, here, and kept
/// (the bus never releases a route a publisher holds).</summary>
/// <remarks>The facts publish needs are instance fields: for a class <typeparamref name="T"/> the JIT
/// shares one body for all reference types, and a generic static read there (such as
/// <see cref="TypeIndex{T}.IsExact"/>) is a run-time dictionary lookup on every call.</remarks>
internal sealed class Publisher<T>(InProcessEventBus bus, Route<T> route) : IPublisher<T>
{
    private readonly InProcessEventBus _bus = bus;
    private readonly Route<T> _route = route;
    private readonly bool _isExact = TypeIndex<T>.IsExact;

    public string? Topic => _route.Topic;

    public ValueTask PublishAsync(T @event, CancellationToken cancellationToken = default)
    {
        if (@event is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(@event));
        }

        return RouteOf(@event).PublishAsync(@event, options: null, noWait: false, cancellationToken);
    }

    public void Publish(T @event)
    {
        if (@event is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(@event));
        }

        RouteOf(@event).Publish(@event, options: null);
    }

    private Route<T> RouteOf(T @event) =>
        _isExact || @event!.GetType() == typeof(T) ? _route : _bus.RouteOf(@event, _route.Topic, pin: true);
}
