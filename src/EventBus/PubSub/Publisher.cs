using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>A publisher bound to one event type and topic: its route is resolved once, here.</summary>
internal sealed class Publisher<T>(TypeRoutes<T> routes, Route<T> route) : IPublisher<T>
{
    public string? Topic => route.Topic;

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
        TypeIndex<T>.IsExact || @event!.GetType() == typeof(T) ? route : routes.Get(@event.GetType(), route.Topic);
}
