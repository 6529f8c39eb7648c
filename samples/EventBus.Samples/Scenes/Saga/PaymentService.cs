namespace EventBus.Samples.Scenes.Saga;

/// <summary>Charges the card, and reports either outcome as an event: a decline is a business
/// result for the saga to act on, not an exception for the bus to retry.</summary>
internal sealed class PaymentService(SagaBus bus, PaymentGateway gateway) : IEventHandler<ChargePayment>
{
    public const string Name = "payment-service";

    public async ValueTask HandleAsync(ChargePayment @event, EventContext context, CancellationToken cancellationToken)
    {
        ISagaEvent outcome = gateway.TryCharge(@event.OrderId, @event.Card, @event.Amount)
            ? new PaymentCharged(@event.OrderId, @event.Amount)
            : new PaymentDeclined(@event.OrderId, "card declined");
        await bus.PublishAsync(outcome, Name, context, cancellationToken);
    }
}
