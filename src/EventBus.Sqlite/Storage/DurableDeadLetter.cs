namespace EventBus.Sqlite.Storage;

/// <summary>A row of the dead-letter table, with its payload as stored (it may be the unreadable one).</summary>
internal sealed record DurableDeadLetter(
    long Id,
    long ItemId,
    string Queue,
    Guid MessageId,
    string? PartitionKey,
    int SchemaVersion,
    byte[] Payload,
    DateTimeOffset EnqueuedAt,
    int Attempts,
    DateTimeOffset? FirstFailedAt,
    DateTimeOffset DeadLetteredAt,
    string Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    int Redeliveries);
