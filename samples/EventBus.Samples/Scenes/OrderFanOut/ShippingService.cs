namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>Books the courier.</summary>
internal sealed class ShippingService(OrderLedger ledger) : IEventHandler<OrderPlaced>
{
    public const string Name = "shipping-service";

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        ledger.Succeeded(Name, @event, context, $"booked a courier for {@event.Customer}");
        return ValueTask.CompletedTask;
    }
}
