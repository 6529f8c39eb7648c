using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>Every saga message, recorded as it is published, by a subscription to the interface
/// all of them implement.</summary>
internal sealed class SagaTimeline
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<TimelineEntry>> _entries = new(StringComparer.Ordinal);

    public IReadOnlyList<TimelineEntry> For(string orderId) =>
        _entries.TryGetValue(orderId, out var entries) ? [.. entries] : [];

    public void Record(ISagaMessage message, EventContext context)
    {
        var entries = _entries.GetOrAdd(message.OrderId, static _ => new ConcurrentQueue<TimelineEntry>());

        // One order's messages never race: each is published by the handler of the one before it.
        entries.Enqueue(new TimelineEntry(
            message.OrderId,
            entries.Count + 1,
            message.GetType().Name,
            message is ISagaCommand,
            context.Headers.TryGetValue(SagaBus.ProducerHeader, out var producer) ? producer : "?",
            context.Id,
            context.CorrelationId));
    }
}
