namespace EventBus.Sqlite.Storage;

/// <summary>What a queue's store did since it was opened (commits counted, not calls).</summary>
internal readonly record struct DurableQueueStatistics(
    long Enqueued,
    long OutboxEnqueued,
    long Claimed,
    long Acknowledged,
    long FailedAttempts,
    long DeadLettered,
    long Unreadable,
    long Released,
    long Redriven);
