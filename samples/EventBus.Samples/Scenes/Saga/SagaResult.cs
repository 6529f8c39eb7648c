using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Saga;

internal sealed record SagaResult(
    IReadOnlyList<OrderPlaced> Orders,
    IReadOnlyDictionary<string, IReadOnlyList<TimelineEntry>> Timelines,
    IReadOnlyDictionary<string, SagaStatus> SagaStatuses,
    IReadOnlyDictionary<string, string> OrderStatuses,
    IReadOnlyDictionary<string, decimal> Charges,
    IReadOnlyDictionary<string, int> StockBefore,
    IReadOnlyDictionary<string, int> StockAfter,
    BusReport Bus) : SceneResult
{
    public override string Outcome
    {
        get
        {
            var shipped = OrderStatuses.Count(s => s.Value == "shipped");
            var cancelled = OrderStatuses.Count(s => s.Value == "cancelled");
            return $"{shipped} order shipped; {cancelled} order compensated (inventory released, order cancelled)";
        }
    }
}
