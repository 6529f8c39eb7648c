namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>Sets the ordered items aside.</summary>
internal sealed class InventoryService(OrderLedger ledger) : IEventHandler<OrderPlaced>
{
    public const string Name = "inventory-service";

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        ledger.Succeeded(Name, @event, context, $"reserved {@event.Quantity} x {@event.Sku}");
        return ValueTask.CompletedTask;
    }
}
