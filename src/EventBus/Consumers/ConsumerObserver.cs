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
}
