namespace EventBus.Consumers;

/// <summary>The failure history of an item (or batch) between attempts. Allocated on the first failure only;
/// one owner at a time (the worker handling it, or the retry timer holding it).</summary>
internal sealed class FailureRecord(DateTimeOffset firstFailedAt, EventContext? context = null)
{
    internal DateTimeOffset FirstFailedAt { get; } = firstFailedAt;

    /// <summary>The item's context, which a retried <see cref="WorkItem{T}"/> keeps here.</summary>
    internal EventContext? Context { get; } = context;

    /// <summary>How many attempts have failed so far.</summary>
    internal int Attempts { get; set; }
}
