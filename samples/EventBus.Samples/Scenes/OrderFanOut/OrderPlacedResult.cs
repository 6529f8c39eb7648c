using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.OrderFanOut;

internal sealed record OrderPlacedResult(
    IReadOnlyList<OrderPlaced> Orders,
    IReadOnlyList<Handling> Handlings,
    IReadOnlyList<DeliveryError> Errors,
    IReadOnlyList<DeadLetter> DeadLetters,
    BusReport Bus,
    int ScaledOutPaymentInstances,
    int ScaledOutCharges) : SceneResult
{
    public override string Outcome =>
        $"{Orders.Count} orders x 4 services; email dead-lettered {DeadLetters.Count} order after " +
        $"{(DeadLetters.Count > 0 ? DeadLetters[0].Attempts : 0)} attempts, the other services unaffected";

    /// <summary>The orders a service handled successfully.</summary>
    public IReadOnlyList<string> HandledBy(string service) =>
        [.. Handlings.Where(h => h.Service == service && h.Succeeded).Select(h => h.OrderId)];
}
