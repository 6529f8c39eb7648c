namespace EventBus;

/// <summary>A snapshot of a subscription's counters since it was created.</summary>
/// <param name="Delivered">Events whose handler completed successfully.</param>
/// <param name="FailedAttempts">Handler attempts that threw.</param>
/// <param name="Retried">Retries scheduled after a failed attempt.</param>
/// <param name="DeadLettered">Events given up on and sent to the dead-letter sink.</param>
/// <param name="Dropped">Events dropped by the full mode, rejected, or discarded by <c>Dispose</c>.</param>
/// <param name="Abandoned">Events left unhandled when a drain deadline passed.</param>
public readonly record struct SubscriptionStatistics(
    long Delivered,
    long FailedAttempts,
    long Retried,
    long DeadLettered,
    long Dropped,
    long Abandoned);
