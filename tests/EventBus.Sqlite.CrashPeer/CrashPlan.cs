namespace EventBus.Sqlite.CrashPeer;

/// <summary>
/// What the peer does with each item, decided by its number alone, so that the test can predict it: most items
/// succeed at once; some fail their first attempt and are retried (on the queue's timer, the attempt and due time
/// stored); a few are poison and end as dead letters; some carry a partition key. Shared by the peer and the test
/// that checks the peer.
/// </summary>
internal static class CrashPlan
{
    internal const string QueueName = "crash";
    internal const int MaxAttempts = 3;
    internal const int Capacity = 32;
    internal const int Workers = 2;
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(20);

    internal static bool IsPoison(long number) => number % 50 == 7;

    internal static bool FailsFirstAttempt(long number) => number % 10 == 3;

    /// <summary>Keys are per producer (whose enqueues are sequential, so their order is known) and per round.</summary>
    internal static string? PartitionKey(CrashItem item) =>
        item.Number % 4 == 0 ? $"r{item.Number / 1_000_000}-p{item.Producer}-k{item.Number % 3}" : null;

    internal static SqliteQueueOptions<CrashItem> Persistence(string path) =>
        new SqliteQueueOptions<CrashItem>(CrashJson.Default.CrashItem) { Storage = { Path = path } }.PartitionBy(PartitionKey);

    internal static WorkQueueOptions<CrashItem> Options(TimeProvider? time = null) => new()
    {
        Name = QueueName,
        Capacity = Capacity,
        WorkerCount = Workers,
        RetryPolicy = new RetryPolicy { MaxRetries = MaxAttempts - 1, BaseDelay = RetryDelay, Backoff = BackoffKind.Fixed, Jitter = 0 },
        Shared = new EventBusOptions { TimeProvider = time ?? TimeProvider.System },
    };

    /// <summary>Throws for the attempts that the plan says fail.</summary>
    internal static void Attempt(CrashItem item, EventContext context)
    {
        var number = item.Number;
        if (IsPoison(number))
        {
            throw new InvalidOperationException($"Item {number} is poison.");
        }

        if (FailsFirstAttempt(number) && context.DeliveryAttempt == 1)
        {
            throw new TimeoutException($"Item {number} fails its first attempt.");
        }
    }
}
