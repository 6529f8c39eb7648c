namespace EventBus.Consumers;

/// <summary>The failure history of an item (or batch) between attempts. Allocated on the first failure only;
/// one owner at a time (the worker handling it, or the retry timer holding it).</summary>
internal sealed class FailureRecord(DateTimeOffset firstFailedAt)
{
    internal DateTimeOffset FirstFailedAt { get; } = firstFailedAt;

    /// <summary>How many attempts have failed so far.</summary>
    internal int Attempts { get; set; }
}
