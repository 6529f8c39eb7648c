namespace EventBus.Samples.Scenes.Saga;

/// <summary>Hands paid orders to the courier.</summary>
internal sealed class ShippingService(SagaBus bus) : IEventHandler<ShipOrder>
{
    public const string Name = "shipping-service";

    public async ValueTask HandleAsync(ShipOrder @event, EventContext context, CancellationToken cancellationToken) =>
        await bus.PublishAsync(new OrderShipped(@event.OrderId, $"TRK-{@event.OrderId}"), Name, context, cancellationToken);
}
