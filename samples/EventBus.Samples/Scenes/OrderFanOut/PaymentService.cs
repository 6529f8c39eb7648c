using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>Charges the customer.</summary>
internal sealed class PaymentService(OrderLedger ledger) : IEventHandler<OrderPlaced>
{
    public const string Name = "payment-service";

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        ledger.Succeeded(Name, @event, context, $"charged {Ui.Money(@event.Total, @event.Currency)}");
        return ValueTask.CompletedTask;
    }
}
