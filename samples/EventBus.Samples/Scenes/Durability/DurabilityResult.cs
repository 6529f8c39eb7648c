using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Durability;

internal sealed record DurabilityResult(
    IReadOnlyList<int> Acknowledged,
    IReadOnlyList<HandlerCall> FirstRun,
    IReadOnlyList<QueueRow> FileAtKill,
    int KilledExitCode,
    IReadOnlyList<QueueRow> FileAfterKill,
    IReadOnlyList<HandlerCall> SecondRun,
    long ProcessedAfterRestart,
    int RestartExitCode,
    IReadOnlyList<QueueRow> FileAfterDrain,
    IReadOnlyList<Shipment> Shipments) : SceneResult
{
    public override string Outcome =>
        $"{Acknowledged.Count} orders acknowledged, worker killed and restarted: {Lost.Count} lost, " +
        $"{Redelivered.Count} redelivered (flagged), {(ShippedExactlyOnce ? "each shipped once" : "NOT SHIPPED ONCE EACH")}";

    /// <summary>Orders whose enqueue had returned and that were never shipped.</summary>
    public IReadOnlyList<int> Lost => [.. Acknowledged.Where(order => !Shipments.Any(s => s.Order == order))];

    /// <summary>Orders the restart was handed with the redelivered flag set.</summary>
    public IReadOnlyList<int> Redelivered => [.. SecondRun.Where(static c => c.Redelivered).Select(static c => c.Order)];

    /// <summary>Orders the restart was handed without the flag: they had never left the file.</summary>
    public IReadOnlyList<int> Fresh => [.. SecondRun.Where(static c => !c.Redelivered).Select(static c => c.Order)];

    public bool ShippedExactlyOnce =>
        ShippingPlan.Orders.All(order => Shipments.Count(s => s.Order == order.Number) == 1) && Shipments.Count == ShippingPlan.Orders.Count;

    public IReadOnlyList<HandlerCall> CallsOf(int order) => [.. FirstRun.Concat(SecondRun).Where(c => c.Order == order)];
}
