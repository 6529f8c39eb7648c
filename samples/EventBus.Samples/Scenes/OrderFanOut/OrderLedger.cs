using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>What the services did, attempt by attempt, kept for the scene to show.</summary>
internal sealed class OrderLedger
{
    private readonly ConcurrentQueue<Handling> _handlings = new();

    public IReadOnlyList<Handling> Handlings => [.. _handlings];

    public void Succeeded(string service, OrderPlaced order, EventContext context, string detail) =>
        _handlings.Enqueue(new Handling(service, order.OrderId, context.Id, Succeeded: true, detail));

    public void Failed(string service, OrderPlaced order, EventContext context, string detail) =>
        _handlings.Enqueue(new Handling(service, order.OrderId, context.Id, Succeeded: false, detail));
}
