using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>A publisher bound to one event type and topic: its route is resolved once, here.</summary>
/// <remarks>The facts publish needs are instance fields: for a class <typeparamref name="T"/> the JIT
/// shares one body for all reference types, and a generic static read there (such as
/// <see cref="TypeIndex{T}.IsExact"/>) is a run-time dictionary lookup on every call.</remarks>
internal sealed class Publisher<T>(TypeRoutes<T> routes, Route<T> route) : IPublisher<T>
{
    private readonly TypeRoutes<T> _routes = routes;
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
        _isExact || @event!.GetType() == typeof(T) ? _route : _routes.Get(@event.GetType(), _route.Topic);
}
