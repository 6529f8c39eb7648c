using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.CrashPeer;

/// <summary>
/// What the peer does with each item, decided by its number alone, so that the test can predict it: most items
/// succeed at once; some fail their first attempt and are retried (half of them kept by the driver, half returned
/// to the store); a few are poison and end as dead letters; some carry a partition key. Shared by the peer and
/// the test that checks the peer.
/// </summary>
internal static class CrashPlan
{
    internal const string QueueName = "crash";
    internal const int MaxAttempts = 3;
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(20);

    internal static bool IsPoison(long number) => number % 50 == 7;

    internal static bool FailsFirstAttempt(long number) => number % 10 == 3;

    /// <summary>Keys are per producer (whose enqueues are sequential, so their order is known) and per round.</summary>
    internal static string? PartitionKey(long number, int producer) =>
        number % 4 == 0 ? $"r{number / 1_000_000}-p{producer}-k{number % 3}" : null;

    internal static DurableRetryPlacement Placement(DurableItem<CrashItem> item) =>
        item.Item.Number % 20 == 3 ? DurableRetryPlacement.KeepLease : DurableRetryPlacement.ReturnToStore;

    internal static DurableItemFormat<CrashItem> Format { get; } = new(CrashJson.Default.CrashItem);

    /// <summary>Throws for the attempts that the plan says fail.</summary>
    internal static void Attempt(DurableItem<CrashItem> item)
    {
        var number = item.Item.Number;
        if (IsPoison(number))
        {
            throw new InvalidOperationException($"Item {number} is poison.");
        }

        if (FailsFirstAttempt(number) && item.Attempts == 0)
        {
            throw new TimeoutException($"Item {number} fails its first attempt.");
        }
    }
}
