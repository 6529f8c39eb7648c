using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// Gathers everything the bus reports, from each place it reports it: the callbacks in
/// <see cref="EventBusOptions"/>, the dead-letter queue, the logs, the spans of its ActivitySource,
/// the instruments of its Meter and, at the end, the drain result and subscription counters.
/// </summary>
internal sealed class BusSignals : IDisposable
{
    private readonly ConcurrentQueue<DeliveryError> _errors = new();
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();
    private MetricCollector? _metrics;

    public DeadLetterQueue DeadLetters { get; } = new();

    /// <summary>The spans of the run (listening starts at once; the run's own span marks what is ours).</summary>
    public TraceCollector Traces { get; } = new();

    public MetricCollector Metrics => _metrics ?? throw new InvalidOperationException($"Call {nameof(ListenToMetrics)} first.");

    /// <summary>Points the bus's callbacks and dead-letter sink at this collector.</summary>
    public void Attach(EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OnError = _errors.Enqueue;
        options.OnDropped = _drops.Enqueue;
        options.DeadLetterSink = DeadLetters;
    }

    /// <summary>Starts listening to the meters that <paramref name="meterFactory"/> (the host's) creates.</summary>
    public void ListenToMetrics(IMeterFactory meterFactory) => _metrics ??= new MetricCollector(meterFactory);

    /// <summary>Freezes what was collected, once the bus has drained.</summary>
    public ObservabilityReport ToReport(BusReport bus, IReadOnlyList<LogRecord> logs)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(logs);
        return new ObservabilityReport(
            bus.Drain,
            bus.Subscriptions,
            [.. _errors],
            [.. _drops],
            DeadLetters.ToList(),
            [.. logs.Where(static l => l.Category.StartsWith(nameof(EventBus), StringComparison.Ordinal))],
            Traces.Spans,
            Metrics.Series);
    }

    public void Dispose()
    {
        Traces.Dispose();
        _metrics?.Dispose();
    }
}
