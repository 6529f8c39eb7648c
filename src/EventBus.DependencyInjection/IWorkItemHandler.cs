namespace EventBus;

/// <summary>
/// A handler class for the items of a work queue, registered with
/// <c>AddWorkQueue&lt;T, THandler&gt;()</c>. Each item is handled by an instance resolved from a fresh
/// dependency-injection scope, disposed afterwards.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public interface IWorkItemHandler<in T>
{
    /// <summary>Handles one item.</summary>
    /// <param name="item">The item.</param>
    /// <param name="context">The item's id, enqueue time and the producer's trace context (use the id to make
    /// the handler idempotent: at-least-once delivery may hand the same item over again after a failure).</param>
    /// <param name="cancellationToken">Fires at the queue's per-attempt timeout or when the drain deadline passes.</param>
    /// <returns>A task that completes when the item is handled. A fault is retried per the queue's retry
    /// policy, then dead-lettered.</returns>
    ValueTask HandleAsync(T item, EventContext context, CancellationToken cancellationToken);
}
