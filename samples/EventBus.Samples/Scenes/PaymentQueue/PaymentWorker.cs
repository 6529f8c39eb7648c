namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>
/// The work-queue handler: charges one payment. It sends the payment id as the idempotency key,
/// the same on every attempt, so a retry after a lost reply cannot charge twice.
/// </summary>
internal sealed class PaymentWorker(PaymentGateway gateway, Settlement settlement) : IWorkItemHandler<ChargePayment>
{
    public async ValueTask HandleAsync(ChargePayment item, EventContext context, CancellationToken cancellationToken)
    {
        await gateway.ChargeAsync(item, idempotencyKey: item.PaymentId, cancellationToken);
        settlement.Completed();
    }
}
