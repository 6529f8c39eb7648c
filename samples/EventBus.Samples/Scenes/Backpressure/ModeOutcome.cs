namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>What one full mode did with the same burst.</summary>
/// <param name="Mode">The full mode.</param>
/// <param name="Published">Publish calls made.</param>
/// <param name="HeldBack">Publishes that had to wait for space (backpressure).</param>
/// <param name="PublishExceptions">Publishes that threw <see cref="EventBusFullException"/>.</param>
/// <param name="Handled">The readings the consumer handled, in order.</param>
/// <param name="Drops">Every drop reported to <see cref="EventBusOptions.OnDropped"/>.</param>
/// <param name="Statistics">The subscription's own counters.</param>
internal sealed record ModeOutcome(
    BufferFullMode Mode,
    int Published,
    int HeldBack,
    int PublishExceptions,
    IReadOnlyList<int> Handled,
    IReadOnlyList<DroppedEvent> Drops,
    SubscriptionStatistics Statistics);
