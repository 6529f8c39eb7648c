namespace EventBus;

/// <summary>
/// A handler class for events of type <typeparamref name="TEvent"/>, registered with
/// <c>AddHandler&lt;TEvent, THandler&gt;()</c>. Each event is handled by an instance resolved from a
/// fresh dependency-injection scope, disposed afterwards, so scoped services (a DbContext) are
/// never shared between events.
/// </summary>
/// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
public interface IEventHandler<in TEvent>
{
    /// <summary>Handles one event.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">The event's id, timestamp, topic, correlation id, headers and trace context.</param>
    /// <param name="cancellationToken">Fires when the subscription is disposed or the drain deadline passes.</param>
    /// <returns>A task that completes when the event is handled. A fault is retried per the
    /// subscription's retry policy, then dead-lettered.</returns>
    ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken);
}
