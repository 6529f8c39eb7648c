namespace EventBus.Samples.Scenes.Observability;

/// <summary>Fails on one checkout every time: its retries run out and it is dead-lettered.</summary>
internal sealed class FraudCheck : IEventHandler<CheckoutCompleted>
{
    public const string Name = "fraud-check";

    public ValueTask HandleAsync(CheckoutCompleted @event, EventContext context, CancellationToken cancellationToken) =>
        @event.Number == CheckoutScript.PermanentFailureAt
            ? throw new InvalidOperationException("risk score service returned 500")
            : ValueTask.CompletedTask;
}
