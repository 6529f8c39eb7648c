using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// Every saga message, recorded by a subscription to the interface all of them implement, and put
/// in order by the step each one carries.
/// </summary>
/// <remarks>
/// Arrival order is not enough: the bus hands a message to each subscription independently, so a
/// fast reply (InventoryReserved) can reach this recorder before the command that caused it
/// (ReserveInventory) does. The causation chain the participants stamp on each message is what
/// gives the true order.
/// </remarks>
internal sealed class SagaTimeline
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<TimelineEntry>> _entries = new(StringComparer.Ordinal);

    public IReadOnlyList<TimelineEntry> For(string orderId) =>
        _entries.TryGetValue(orderId, out var entries) ? [.. entries.OrderBy(static e => e.Step)] : [];

    public void Record(ISagaMessage message, EventContext context)
    {
        var headers = context.Headers;
        _entries.GetOrAdd(message.OrderId, static _ => new ConcurrentQueue<TimelineEntry>()).Enqueue(new TimelineEntry(
            message.OrderId,
            SagaBus.StepOf(context),
            message.GetType().Name,
            message is ISagaCommand,
            headers.TryGetValue(SagaBus.ProducerHeader, out var producer) ? producer : "?",
            context.Id,
            headers.TryGetValue(SagaBus.CausationHeader, out var cause) ? Guid.Parse(cause) : null,
            context.CorrelationId));
    }
}
