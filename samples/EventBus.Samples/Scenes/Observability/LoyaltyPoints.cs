namespace EventBus.Samples.Scenes.Observability;

/// <summary>Fails once, on one checkout (a timeout from the points database, say); the retry succeeds.</summary>
internal sealed class LoyaltyPoints(CheckoutScript script) : IEventHandler<CheckoutCompleted>
{
    public const string Name = "loyalty";

    public ValueTask HandleAsync(CheckoutCompleted @event, EventContext context, CancellationToken cancellationToken)
    {
        if (@event.Number == CheckoutScript.TransientFailureAt && script.NextLoyaltyAttempt(@event.Number) == 1)
        {
            throw new TimeoutException("points database did not answer in 2 s");
        }

        return ValueTask.CompletedTask;
    }
}
