namespace EventBus.Sqlite.Storage;

/// <summary>A queue's running totals; fields so that they can be incremented in place (Interlocked).</summary>
internal sealed class QueueCounters
{
    internal long Enqueued;
    internal long OutboxEnqueued;
    internal long Claimed;
    internal long Acknowledged;
    internal long FailedAttempts;
    internal long DeadLettered;
    internal long Unreadable;
    internal long Released;
    internal long Redriven;

    internal DurableQueueStatistics Snapshot() => new(
        Interlocked.Read(ref Enqueued),
        Interlocked.Read(ref OutboxEnqueued),
        Interlocked.Read(ref Claimed),
        Interlocked.Read(ref Acknowledged),
        Interlocked.Read(ref FailedAttempts),
        Interlocked.Read(ref DeadLettered),
        Interlocked.Read(ref Unreadable),
        Interlocked.Read(ref Released),
        Interlocked.Read(ref Redriven));
}
