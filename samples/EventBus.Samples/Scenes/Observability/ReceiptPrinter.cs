namespace EventBus.Samples.Scenes.Observability;

/// <summary>Never fails: the baseline every other subscription is compared with.</summary>
internal sealed class ReceiptPrinter : IEventHandler<CheckoutCompleted>
{
    public const string Name = "receipts";

    public ValueTask HandleAsync(CheckoutCompleted @event, EventContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
