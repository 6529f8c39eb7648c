namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>A consumer that needs a permit per event: the scene's clock hands them out at the consumer's pace.</summary>
internal sealed class SlowConsumer(ModeRun run) : IEventHandler<Reading>
{
    public const string Name = "dashboard";

    public async ValueTask HandleAsync(Reading @event, EventContext context, CancellationToken cancellationToken)
    {
        await run.Gate.WaitAsync(cancellationToken);
        run.RecordHandled(@event.Sequence);
    }
}
