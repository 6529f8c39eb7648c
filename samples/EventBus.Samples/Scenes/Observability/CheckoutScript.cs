using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// What goes wrong in this scene, decided up front so every run tells the same story: one
/// transient failure that a retry fixes, one permanent failure, and a ticker too slow for the burst.
/// </summary>
internal sealed class CheckoutScript
{
    public const int Checkouts = 10;
    public const int TransientFailureAt = 3;
    public const int PermanentFailureAt = 7;
    public const int TickerCapacity = 2;

    private readonly ConcurrentDictionary<int, int> _loyaltyAttempts = new();

    /// <summary>The ticker waits on this until the whole burst is published, so its small buffer overflows.</summary>
    public TaskCompletionSource BurstPublished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Counts loyalty attempts per checkout; returns the attempt number.</summary>
    public int NextLoyaltyAttempt(int checkout) => _loyaltyAttempts.AddOrUpdate(checkout, 1, static (_, attempts) => attempts + 1);
}
