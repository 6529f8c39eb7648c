namespace EventBus.Samples.Scenes.Observability;

/// <summary>A live sales ticker that only cares about the latest checkouts; too slow for a burst, so it drops the oldest.</summary>
internal sealed class LiveTicker(CheckoutScript script) : IEventHandler<CheckoutCompleted>
{
    public const string Name = "live-ticker";

    public async ValueTask HandleAsync(CheckoutCompleted @event, EventContext context, CancellationToken cancellationToken) =>
        await script.BurstPublished.Task.WaitAsync(cancellationToken);
}
