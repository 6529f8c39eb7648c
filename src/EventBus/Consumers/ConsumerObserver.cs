namespace EventBus.Consumers;

/// <summary>
/// What a face wants to hear about the outcome of each item, beyond the counting and reporting the
/// engine does itself (counters, drop reports, the publisher's settlement). Called once per item, by
/// whoever owns the outcome, never under a lock of the engine.
/// </summary>
internal abstract class ConsumerObserver<T>
{
    /// <summary>The item's handler succeeded.</summary>
    internal virtual void OnDelivered(in WorkItem<T> item)
    {
    }

    /// <summary>The item failed for good and went to the dead-letter sink.</summary>
    internal virtual void OnDeadLettered(in WorkItem<T> item)
    {
    }

    /// <summary>The item will not be handled, for <paramref name="reason"/>.</summary>
    internal virtual void OnLost(in WorkItem<T> item, DropReason reason)
    {
    }

    /// <summary>An attempt failed and a scheduled retry will try the item again at <paramref name="due"/>
    /// (<see cref="RetryPlacement.Scheduled"/> only; batches are not reported). Called once per such failure,
    /// before the retry is armed, by the owner of the item; the engine keeps the item until then.</summary>
    /// <param name="item">The item, carrying its failure history.</param>
    /// <param name="failedAttempts">The attempts that have failed so far, this one included.</param>
    /// <param name="due">When the next attempt is due, on the consumer's clock.</param>
    /// <param name="error">The failed attempt's exception.</param>
    internal virtual void OnRetryScheduled(in WorkItem<T> item, int failedAttempts, DateTimeOffset due, Exception error)
    {
    }
}
