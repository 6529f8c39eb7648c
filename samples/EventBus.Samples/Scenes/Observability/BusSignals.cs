using System.Collections.Concurrent;
using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// Gathers everything the bus reports today, from each place it reports it: the callbacks in
/// <see cref="EventBusOptions"/>, the dead-letter queue, the logs and, at the end, the drain result
/// and subscription counters.
/// </summary>
/// <remarks>
/// Traces and metrics arrive with the observability issue (an ActivitySource and a Meter in the
/// bus). When they land, add collectors here — an ActivityListener for the publish/process spans
/// and a MeterListener for the messaging.* instruments — and matching sections in
/// <see cref="ObservabilityReport"/>; nothing else in the scene has to change.
/// </remarks>
internal sealed class BusSignals
{
    private readonly ConcurrentQueue<DeliveryError> _errors = new();
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();

    public DeadLetterQueue DeadLetters { get; } = new();

    /// <summary>Points the bus's callbacks and dead-letter sink at this collector.</summary>
    public void Attach(EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OnError = _errors.Enqueue;
        options.OnDropped = _drops.Enqueue;
        options.DeadLetterSink = DeadLetters;
    }

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
            [.. logs.Where(static l => l.Category.StartsWith(nameof(EventBus), StringComparison.Ordinal))]);
    }
}
