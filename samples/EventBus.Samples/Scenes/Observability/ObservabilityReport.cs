using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>Every signal of one run, side by side, so they can be read together and checked against each other.</summary>
internal sealed record ObservabilityReport(
    DrainResult Drain,
    IReadOnlyList<SubscriptionReport> Subscriptions,
    IReadOnlyList<DeliveryError> Errors,
    IReadOnlyList<DroppedEvent> Drops,
    IReadOnlyList<DeadLetter> DeadLetters,
    IReadOnlyList<LogRecord> Logs)
{
    public long CountedFailedAttempts => Subscriptions.Sum(static s => s.Statistics.FailedAttempts);

    public long CountedRetries => Subscriptions.Sum(static s => s.Statistics.Retried);

    public long CountedDeadLetters => Subscriptions.Sum(static s => s.Statistics.DeadLettered);

    public long CountedDrops => Subscriptions.Sum(static s => s.Statistics.Dropped);

    public long CountedDelivered => Subscriptions.Sum(static s => s.Statistics.Delivered);

    public int LogsNamed(string eventName) => Logs.Count(l => l.EventId.Name == eventName);
}
