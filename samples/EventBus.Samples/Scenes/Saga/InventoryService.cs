namespace EventBus.Samples.Scenes.Saga;

/// <summary>Reserves stock, and gives it back when asked to compensate.</summary>
internal sealed class InventoryService(SagaBus bus, Warehouse warehouse) : IEventHandler<ReserveInventory>, IEventHandler<ReleaseInventory>
{
    public const string Name = "inventory-service";

    public async ValueTask HandleAsync(ReserveInventory @event, EventContext context, CancellationToken cancellationToken)
    {
        warehouse.Take(@event.Sku, @event.Quantity);
        await bus.PublishAsync(new InventoryReserved(@event.OrderId, @event.Sku, @event.Quantity), Name, context, cancellationToken);
    }

    public async ValueTask HandleAsync(ReleaseInventory @event, EventContext context, CancellationToken cancellationToken)
    {
        warehouse.PutBack(@event.Sku, @event.Quantity);
        await bus.PublishAsync(new InventoryReleased(@event.OrderId, @event.Sku, @event.Quantity), Name, context, cancellationToken);
    }
}
