namespace EventBus.DependencyInjection.Internal;

/// <summary>Compares and copies <see cref="SubscriptionOptions"/> by value, so that registering a handler
/// twice with the same settings can be recognised.</summary>
internal static class SubscriptionSettings
{
    internal static bool AreEqual(SubscriptionOptions a, SubscriptionOptions b) =>
        string.Equals(a.Name, b.Name, StringComparison.Ordinal)
        && string.Equals(a.Topic, b.Topic, StringComparison.Ordinal)
        && a.Mode == b.Mode
        && a.Capacity == b.Capacity
        && a.FullMode == b.FullMode
        && a.OverflowCapacity == b.OverflowCapacity
        && a.MaxConcurrency == b.MaxConcurrency
        && ReferenceEquals(a.DeadLetterSink, b.DeadLetterSink)
        && AreEqual(a.RetryPolicy, b.RetryPolicy);

    internal static bool AreEqual(RetryPolicy a, RetryPolicy b) =>
        ReferenceEquals(a, b)
        || (a.MaxRetries == b.MaxRetries
            && a.BaseDelay == b.BaseDelay
            && a.MaxDelay == b.MaxDelay
            && a.Backoff == b.Backoff
            && a.Jitter.Equals(b.Jitter)
            && Equals(a.ShouldRetry, b.ShouldRetry));

    internal static SubscriptionOptions Copy(SubscriptionOptions source) => new()
    {
        Name = source.Name,
        Topic = source.Topic,
        Mode = source.Mode,
        Capacity = source.Capacity,
        FullMode = source.FullMode,
        OverflowCapacity = source.OverflowCapacity,
        MaxConcurrency = source.MaxConcurrency,
        RetryPolicy = source.RetryPolicy,
        DeadLetterSink = source.DeadLetterSink,
    };
}
