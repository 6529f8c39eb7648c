namespace EventBus.DependencyInjection.Internal;

/// <summary>The injectable <see cref="ISubscriber{TEvent}"/>.</summary>
internal sealed class TypedSubscriber<TEvent>(IEventBus bus) : ISubscriber<TEvent>
{
    public IEventSubscription Subscribe(Action<TEvent> handler, SubscriptionOptions? options = null) => bus.Subscribe(handler, options);

    public IEventSubscription Subscribe(Action<TEvent, EventContext> handler, SubscriptionOptions? options = null) => bus.Subscribe(handler, options);

    public IEventSubscription Subscribe(Func<TEvent, EventContext, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) =>
        bus.Subscribe(handler, options);

    public IEventSubscription Subscribe(Func<TEvent, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null) =>
        bus.Subscribe(handler, options);
}
