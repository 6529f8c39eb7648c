namespace EventBus;

/// <summary>What a work queue promises about handing an item to its handler, within the life of the process.</summary>
/// <remarks>
/// Both guarantees hold only while the process runs: a work queue lives in memory, so items that are
/// buffered, waiting for a retry or in a handler when the process crashes are lost. See
/// <c>docs/work-queue.md</c> for what that means and how to avoid it.
/// </remarks>
public enum DeliveryGuarantee
{
    /// <summary>
    /// A failed attempt is retried per <see cref="WorkQueueOptions{T}.RetryPolicy"/>; when the retries
    /// are exhausted the item is dead-lettered. An item may therefore reach its handler more than once
    /// (handlers should be idempotent). The default.
    /// </summary>
    AtLeastOnce = 0,

    /// <summary>
    /// The handler is called at most once per item: a failure is never retried; the item is
    /// dead-lettered (or dropped, per <see cref="WorkQueueOptions{T}.DeadLetterFailedItems"/>) and counted.
    /// </summary>
    AtMostOnce = 1,
}
