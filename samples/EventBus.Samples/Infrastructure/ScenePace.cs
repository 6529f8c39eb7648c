namespace EventBus.Samples.Infrastructure;

/// <summary>
/// How fast a scene that simulates slow work goes. A person watching needs to see progress, so the
/// demo waits a few milliseconds per unit of work; tests go as fast as the machine allows and never
/// depend on how long anything takes.
/// </summary>
internal sealed class ScenePace
{
    private ScenePace(TimeSpan tick) => Tick = tick;

    /// <summary>For people: one unit of slow work takes 25 ms.</summary>
    public static ScenePace Human { get; } = new(TimeSpan.FromMilliseconds(25));

    /// <summary>For tests: no waiting at all, only a yield so other work can run.</summary>
    public static ScenePace Instant { get; } = new(TimeSpan.Zero);

    /// <summary>How long one unit of slow work takes.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Waits one unit of slow work.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        if (Tick == TimeSpan.Zero)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        await Task.Delay(Tick, cancellationToken);
    }
}
