using System.Diagnostics;
using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>Every signal of one run, side by side, so they can be read together and checked against each other.</summary>
internal sealed record ObservabilityReport(
    DrainResult Drain,
    IReadOnlyList<SubscriptionReport> Subscriptions,
    IReadOnlyList<DeliveryError> Errors,
    IReadOnlyList<DroppedEvent> Drops,
    IReadOnlyList<DeadLetter> DeadLetters,
    IReadOnlyList<LogRecord> Logs,
    IReadOnlyList<SpanRecord> Spans,
    IReadOnlyList<MetricSeries> Metrics)
{
    public long CountedFailedAttempts => Subscriptions.Sum(static s => s.Statistics.FailedAttempts);

    public long CountedRetries => Subscriptions.Sum(static s => s.Statistics.Retried);

    public long CountedDeadLetters => Subscriptions.Sum(static s => s.Statistics.DeadLettered);

    public long CountedDrops => Subscriptions.Sum(static s => s.Statistics.Dropped);

    public long CountedDelivered => Subscriptions.Sum(static s => s.Statistics.Delivered);

    public int LogsNamed(string eventName) => Logs.Count(l => l.EventId.Name == eventName);

    /// <summary>The producer spans, in the order the events were published.</summary>
    public IReadOnlyList<SpanRecord> PublishSpans => [.. Spans.Where(static s => s.Kind == ActivityKind.Producer).OrderBy(static s => s.StartTimeUtc)];

    /// <summary>The consumer spans: one per handler attempt.</summary>
    public IReadOnlyList<SpanRecord> ProcessSpans => [.. Spans.Where(static s => s.Kind == ActivityKind.Consumer)];

    /// <summary>The publish span a process span links to, when it is one of this run's.</summary>
    public SpanRecord? LinkedPublish(SpanRecord process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return PublishSpans.FirstOrDefault(p => process.Links.Any(l => l.TraceId == p.TraceId && l.SpanId == p.SpanId));
    }

    /// <summary>The sum of a counter's measurements (or a gauge's last readings), for one subscription or all.</summary>
    public long MetricSum(string instrument, string? subscription = null) =>
        (long)Series(instrument, subscription).Sum(s => instrument == SignalNames.QueueDepth ? s.Last : s.Sum);

    /// <summary>How many measurements a histogram took, for one subscription or all, optionally only those of failed attempts.</summary>
    public long MetricCount(string instrument, string? subscription = null, bool failedOnly = false) =>
        Series(instrument, subscription).Where(s => !failedOnly || s.Tag(SignalNames.ErrorType) is not null).Sum(static s => s.Count);

    public IEnumerable<MetricSeries> Series(string instrument, string? subscription = null) =>
        Metrics.Where(s => s.Instrument == instrument && (subscription is null || s.Tag(SignalNames.Subscription) == subscription));
}
