namespace EventBus.Sqlite.Storage;

/// <summary>
/// An item handed out by a durable store (leased): it stays in the database, marked as held by this process,
/// until the consumer reports one outcome for it through the store that handed it out.
/// </summary>
/// <remarks>
/// One outcome at a time: <see cref="IDurableItemStore{T}.AcknowledgeAsync"/>,
/// <see cref="IDurableItemStore{T}.DeadLetterAsync"/>, <see cref="IDurableItemStore{T}.ReleaseAsync"/> and a
/// failure returned to the store end the lease; a failure recorded with
/// <see cref="DurableRetryPlacement.KeepLease"/> keeps it, and updates <see cref="Attempts"/> and
/// <see cref="FirstFailedAt"/> once committed.
/// </remarks>
internal sealed class DurableItem<T>
{
    internal const int Leased = 0;
    internal const int Settling = 1;
    internal const int Settled = 2;

    internal int State = Leased;

    internal DurableItem(
        object owner,
        long id,
        Guid messageId,
        T item,
        string? partitionKey,
        DateTimeOffset enqueuedAt,
        int attempts,
        DateTimeOffset? firstFailedAt,
        int redeliveries,
        int storedSchemaVersion)
    {
        Owner = owner;
        Id = id;
        MessageId = messageId;
        Item = item;
        PartitionKey = partitionKey;
        EnqueuedAt = enqueuedAt;
        Attempts = attempts;
        FirstFailedAt = firstFailedAt;
        Redeliveries = redeliveries;
        StoredSchemaVersion = storedSchemaVersion;
    }

    /// <summary>The store that handed the item out; only it accepts the item's outcomes.</summary>
    internal object Owner { get; }

    /// <summary>The row id: increasing in enqueue order within a database, never reused.</summary>
    internal long Id { get; }

    /// <summary>A time-ordered id given at enqueue and kept through retries, restarts and re-drives: the key for
    /// idempotent handlers (the event id of the item's context).</summary>
    internal Guid MessageId { get; }

    /// <summary>The payload, read (and upcast) from its stored JSON.</summary>
    internal T Item { get; }

    /// <summary>The partition key given at enqueue, or null.</summary>
    internal string? PartitionKey { get; }

    /// <summary>When the item was first enqueued (kept through re-drives), on the store's clock.</summary>
    internal DateTimeOffset EnqueuedAt { get; }

    /// <summary>Failed attempts recorded so far. The next attempt is number <c>Attempts + 1</c>; an attempt cut
    /// short by a crash is not counted.</summary>
    internal int Attempts { get; set; }

    /// <summary>When the first recorded attempt failed, or null.</summary>
    internal DateTimeOffset? FirstFailedAt { get; set; }

    /// <summary>How many times the item was handed out again because the process stopped (crashed, or was
    /// disposed) while it was in flight.</summary>
    internal int Redeliveries { get; }

    /// <summary>True when a handler may already have seen this item: it was in flight when the owning process
    /// stopped without an outcome. Handlers should then check their own records (idempotency).</summary>
    internal bool Redelivered => Redeliveries > 0;

    /// <summary>The schema version the row was written with (lower than the current one when it was upcast).</summary>
    internal int StoredSchemaVersion { get; }
}
