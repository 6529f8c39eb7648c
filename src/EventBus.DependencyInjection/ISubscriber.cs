namespace EventBus;

/// <summary>A subscriber bound to one event type, for injection where a component only consumes
/// <typeparamref name="TEvent"/>. Resolved from dependency injection as <c>ISubscriber&lt;TEvent&gt;</c>.</summary>
/// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
/// <remarks>Semantics are those of the matching <see cref="IEventBus"/> <c>Subscribe</c> overloads.</remarks>
public interface ISubscriber<out TEvent>
{
    /// <summary>Subscribes a synchronous handler.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IEventSubscription Subscribe(Action<TEvent> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes a synchronous handler that also receives the event's context.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IEventSubscription Subscribe(Action<TEvent, EventContext> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes an asynchronous handler that also receives the event's context.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IEventSubscription Subscribe(Func<TEvent, EventContext, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes an asynchronous handler.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IEventSubscription Subscribe(Func<TEvent, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);
}
