namespace EventBus;

/// <summary>An in-process publish/subscribe bus: every live subscription whose event type (and topic) matches
/// receives every published event, each on its own, so a slow or failing subscriber never holds up or breaks the others.</summary>
/// <remarks><para>Create one with <see cref="EventBusFactory.Create(EventBusOptions?)"/> (or through the
/// dependency-injection package). Events are routed by their run-time type: a subscription to a base class or interface
/// receives events of every derived type.</para>
/// <para>Shut down with <see cref="CompleteAsync(CancellationToken)"/> or <see cref="IAsyncDisposable.DisposeAsync"/>,
/// which stop intake and deliver everything already accepted. <see cref="IDisposable.Dispose"/> stops at once and
/// abandons what is buffered (each abandoned event is counted and reported); it returns once no handler call runs,
/// waiting at most <see cref="EventBusOptions.DrainTimeout"/> for handlers that ignore their token.</para></remarks>
public interface IEventBus : IAsyncDisposable, IDisposable
{
    /// <summary>The subscriptions alive now.</summary>
    IReadOnlyList<IEventSubscription> Subscriptions { get; }

    /// <summary>Publishes an event to every matching subscription.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Cancels a wait for buffer space.</param>
    /// <returns>A task that completes synchronously when every target had room. Under <see cref="BufferFullMode.Wait"/>
    /// it waits for space (backpressure), except inside a handler, where the subscription's overflow
    /// (<see cref="SubscriptionOptions.OverflowCapacity"/>) takes the event; inline async handlers are awaited.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">A subscription under <see cref="BufferFullMode.Fail"/> was full, or an
    /// in-handler publish found a full overflow. The event was still offered to every other subscription.</exception>
    /// <exception cref="OperationCanceledException">The wait for space was cancelled; subscriptions that had already
    /// accepted the event keep it.</exception>
    ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event with a topic, correlation id or headers.</summary>
    /// <param name="event">The event.</param>
    /// <param name="options">The topic, correlation id and headers; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels a wait for buffer space.</param>
    /// <inheritdoc cref="PublishAsync{TEvent}(TEvent, CancellationToken)"/>
    ValueTask PublishAsync<TEvent>(TEvent @event, PublishOptions? options, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event without ever blocking the calling thread, for callers that cannot await.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">The topic, correlation id and headers; <see langword="null"/> for none.</param>
    /// <remarks>A subscription under <see cref="BufferFullMode.Wait"/> whose buffer is full takes the event into its
    /// bounded overflow, where it waits its turn without blocking anyone; when the overflow is full too, the event is
    /// refused (counted as <see cref="DropReason.Rejected"/>) and this method throws
    /// <see cref="EventBusFullException"/> after offering the event to every other subscription. Inline async handlers
    /// are started but not awaited; their failures are still caught, retried and dead-lettered.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">A full subscription could not take the event.</exception>
    void Publish<TEvent>(TEvent @event, PublishOptions? options = null);

    /// <summary>Subscribes a synchronous handler.</summary>
    /// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
    /// <param name="handler">The handler.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IEventSubscription Subscribe<TEvent>(Action<TEvent> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes a synchronous handler that also receives the event's context.</summary>
    /// <inheritdoc cref="Subscribe{TEvent}(Action{TEvent}, SubscriptionOptions?)"/>
    IEventSubscription Subscribe<TEvent>(Action<TEvent, EventContext> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes an asynchronous handler.</summary>
    /// <param name="handler">The handler; its token fires when the subscription is disposed or a drain deadline passes.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults.</param>
    /// <inheritdoc cref="Subscribe{TEvent}(Action{TEvent}, SubscriptionOptions?)"/>
    IEventSubscription Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>Subscribes an asynchronous handler that also receives the event's context.</summary>
    /// <inheritdoc cref="Subscribe{TEvent}(Func{TEvent, CancellationToken, ValueTask}, SubscriptionOptions?)"/>
    IEventSubscription Subscribe<TEvent>(Func<TEvent, EventContext, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null);

    /// <summary>Returns a publisher bound to <typeparamref name="TEvent"/> and a topic, which skips the per-call route
    /// lookup. Keep it and reuse it.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="topic">The topic to publish on, or <see langword="null"/> for none.</param>
    /// <returns>The publisher.</returns>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is empty or whitespace.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    IPublisher<TEvent> GetPublisher<TEvent>(string? topic = null);

    /// <summary>Stops intake and delivers everything already accepted: buffered events, overflow and pending retries.
    /// Idempotent: later calls return the first call's result.</summary>
    /// <param name="cancellationToken">The deadline: when it fires, handlers are cancelled and what is left is
    /// abandoned (counted, and reported as <see cref="DropReason.Abandoned"/>).</param>
    /// <returns>What was delivered, dead-lettered, dropped and abandoned. Never throws on the deadline.</returns>
    ValueTask<DrainResult> CompleteAsync(CancellationToken cancellationToken = default);
}
