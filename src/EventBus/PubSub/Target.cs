namespace EventBus.PubSub;

/// <summary>Something a route delivers events of type <typeparamref name="T"/> to: a subscription
/// to exactly <typeparamref name="T"/>, or an adapter to a subscription of a base type.</summary>
internal abstract class Target<T>
{
    /// <summary>The subscription behind this target.</summary>
    internal abstract ISubscriptionEntry Entry { get; }

    /// <summary>
    /// Hands one event over when that takes no waiting and no decision (a buffer with room): the
    /// route's loop tries this first, without a <see cref="ValueTask{TResult}"/>. False means "not
    /// done": the route then calls <see cref="DeliverAsync"/>, which does everything, including
    /// trying again.
    /// </summary>
    /// <returns>True when the event was taken.</returns>
    internal virtual bool TryDeliver(T @event, EventContext? context) => false;

    /// <summary>
    /// Hands one event over. Completes synchronously with <see langword="true"/> when the event
    /// was taken (or the subscription is already gone, so there is nothing to do), and with
    /// <see langword="false"/> when the buffer was full and the publish could not wait: the
    /// caller then throws <see cref="EventBusFullException"/> once every target has been offered
    /// the event. Completes later when the publisher has to wait for space or for an inline
    /// async handler.
    /// </summary>
    internal abstract ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken);
}
