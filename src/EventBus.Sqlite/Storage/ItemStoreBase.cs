namespace EventBus.Sqlite.Storage;

/// <summary>What the writer's operations need of a queue whatever its item type: its name, counters, lease
/// count and the feeder's wake-up.</summary>
internal abstract class ItemStoreBase
{
    private const long NoneDue = long.MaxValue;

    private readonly WakeSignal _wake = new();
    private int _leased;
    private long _nextDueAt = NoneDue;

    protected ItemStoreBase(SqliteQueueDatabase database, string queueName, RecoveredRows recovered)
    {
        Database = database;
        QueueName = queueName;
        Recovered = recovered;
    }

    internal readonly QueueCounters Counters = new();

    internal SqliteQueueDatabase Database { get; }

    /// <inheritdoc cref="IDurableItemStore{T}.QueueName"/>
    public string QueueName { get; }

    /// <inheritdoc cref="IDurableItemStore{T}.LeasedCount"/>
    public int LeasedCount => Volatile.Read(ref _leased);

    /// <summary>What opening the database found of this queue's rows that were leased at the last stop.</summary>
    internal RecoveredRows Recovered { get; }

    /// <inheritdoc cref="IDurableItemStore{T}.WaitForClaimableAsync"/>
    public Task WaitForClaimableAsync(CancellationToken cancellationToken = default)
    {
        var time = Database.TimeProvider;
        var timeout = Database.PollInterval;
        var next = Volatile.Read(ref _nextDueAt);
        if (next != NoneDue)
        {
            var untilDue = Timestamps.FromStored(next) - time.GetUtcNow();
            if (untilDue < timeout)
            {
                timeout = untilDue;
            }
        }

        return _wake.WaitAsync(timeout, time, cancellationToken);
    }

    /// <summary>Statistics since the database was opened.</summary>
    internal DurableQueueStatistics GetStatistics() => Counters.Snapshot();

    internal static void Counted(ref long counter, long by = 1) => Interlocked.Add(ref counter, by);

    internal void LeaseEnded() => Interlocked.Decrement(ref _leased);

    /// <summary>A claim committed. When it looked at every candidate, it also knows the next due time.</summary>
    internal void Claimed(int count, int unreadable, bool searchedAll, long? nextDue)
    {
        Interlocked.Add(ref _leased, count);
        Counted(ref Counters.Claimed, count);
        Counted(ref Counters.Unreadable, unreadable);
        if (searchedAll)
        {
            Volatile.Write(ref _nextDueAt, nextDue ?? NoneDue);
        }
    }

    /// <summary>A failed item went back to the store: the feeder must wake by its due time at the latest.</summary>
    internal void RetryReturned(long dueAt)
    {
        var current = Volatile.Read(ref _nextDueAt);
        while (dueAt < current)
        {
            var seen = Interlocked.CompareExchange(ref _nextDueAt, dueAt, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    /// <summary>A commit changed what a claim can find.</summary>
    internal void Wake() => _wake.Set();
}
