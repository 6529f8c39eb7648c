namespace EventBus.Samples.Scenes.Saga;

/// <summary>Takes orders (the saga's first event), and closes them: shipped, or cancelled when the saga says so.</summary>
internal sealed class OrderService(SagaBus bus, OrderBook book) : IEventHandler<CancelOrder>, IEventHandler<OrderShipped>
{
    public const string Name = "order-service";

    public async Task PlaceAsync(OrderPlaced order, CancellationToken cancellationToken)
    {
        book.Set(order.OrderId, "placed");
        await bus.PublishAsync(order, Name, cause: null, cancellationToken);
    }

    public async ValueTask HandleAsync(CancelOrder @event, EventContext context, CancellationToken cancellationToken)
    {
        book.Set(@event.OrderId, "cancelled");
        await bus.PublishAsync(new OrderCancelled(@event.OrderId, @event.Reason), Name, context, cancellationToken);
    }

    public ValueTask HandleAsync(OrderShipped @event, EventContext context, CancellationToken cancellationToken)
    {
        book.Set(@event.OrderId, "shipped");
        return ValueTask.CompletedTask;
    }
}
