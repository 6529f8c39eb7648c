using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>
/// Sets the consumer's pace: one permit per tick. It starts only once the burst is over or the
/// producer is held back, so the burst always meets a consumer that has not caught up, and what
/// each full mode does is the same on every run, however fast the machine.
/// </summary>
internal sealed class ConsumerClock(SemaphoreSlim gate, ScenePace pace) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public void Start() => _running ??= RunAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // One permit at a time: the consumer never saves up speed.
                if (gate.CurrentCount == 0)
                {
                    gate.Release();
                }

                await pace.TickAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the drain is over.
        }
    }
}
