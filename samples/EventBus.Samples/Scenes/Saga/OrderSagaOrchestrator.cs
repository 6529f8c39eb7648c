namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// The orchestrator: it listens to every event of the saga and decides the next step. The whole
/// flow, and every compensation, is in this one switch, which is why this scene orchestrates
/// instead of choreographing (where each service would react to the previous one's event and the
/// flow would exist only as the sum of their subscriptions).
/// </summary>
[EventBusHandler(Name = Name)]
internal sealed class OrderSagaOrchestrator(SagaBus bus, SagaStore store) : IEventHandler<ISagaEvent>
{
    public const string Name = "saga-orchestrator";

    public async ValueTask HandleAsync(ISagaEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        switch (@event)
        {
            case OrderPlaced placed:
                store.Start(placed);
                await bus.PublishAsync(new ReserveInventory(placed.OrderId, placed.Sku, placed.Quantity), Name, context, cancellationToken);
                break;

            case InventoryReserved reserved:
                store.Set(reserved.OrderId, SagaStatus.AwaitingPayment);
                var order = store.Order(reserved.OrderId);
                await bus.PublishAsync(new ChargePayment(order.OrderId, order.Amount, order.Card), Name, context, cancellationToken);
                break;

            case PaymentCharged charged:
                store.Set(charged.OrderId, SagaStatus.AwaitingShipment);
                await bus.PublishAsync(new ShipOrder(charged.OrderId), Name, context, cancellationToken);
                break;

            case OrderShipped shipped:
                store.Set(shipped.OrderId, SagaStatus.Completed);
                break;

            // Payment failed after inventory was reserved: undo what was done, latest step first.
            case PaymentDeclined declined:
                store.Set(declined.OrderId, SagaStatus.Compensating);
                var toRelease = store.Order(declined.OrderId);
                await bus.PublishAsync(new ReleaseInventory(toRelease.OrderId, toRelease.Sku, toRelease.Quantity), Name, context, cancellationToken);
                break;

            case InventoryReleased released:
                await bus.PublishAsync(new CancelOrder(released.OrderId, "payment declined"), Name, context, cancellationToken);
                break;

            case OrderCancelled cancelled:
                store.Set(cancelled.OrderId, SagaStatus.Compensated);
                break;
        }
    }
}
