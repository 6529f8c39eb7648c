namespace EventBus;

/// <summary>
/// A publisher bound to one event type (and optionally one topic): the fastest way to publish,
/// because the routes are resolved once, when the publisher is created, instead of on every call.
/// </summary>
/// <typeparam name="TEvent">The event type.</typeparam>
/// <remarks>Obtain one from <see cref="IEventBus.GetPublisher{TEvent}(string?)"/> and keep it.
/// Semantics are those of <see cref="IEventBus.PublishAsync{TEvent}(TEvent, CancellationToken)"/> and
/// <see cref="IEventBus.Publish{TEvent}(TEvent, PublishOptions?)"/>.</remarks>
public interface IPublisher<in TEvent>
{
    /// <summary>The topic this publisher publishes on, or <see langword="null"/>.</summary>
    string? Topic { get; }

    /// <summary>Publishes an event, waiting for buffer space where a subscription is full (backpressure).</summary>
    /// <returns>A task that completes synchronously when every target had room.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">A subscription under <see cref="BufferFullMode.Fail"/> was full.</exception>
    /// <exception cref="OperationCanceledException">The wait for space was cancelled.</exception>
    ValueTask PublishAsync(TEvent @event, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event without ever blocking the calling thread.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">A full subscription could not take the event, even into its overflow.</exception>
    void Publish(TEvent @event);
}
