namespace EventBus.Sqlite.Storage;

/// <summary>
/// An auto-reset wake-up for one feeder: <see cref="Set"/> releases the current waiter, or is remembered for the
/// next one when nobody waits, so a change between a claim and the wait that follows it is never lost.
/// </summary>
internal sealed class WakeSignal
{
    private readonly object _gate = new();
    private bool _set;
    private TaskCompletionSource? _waiter;

    internal void Set()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _set = true;
            }
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes when set, or when <paramref name="timeout"/> passed on <paramref name="time"/>.</summary>
    internal Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return timeout <= TimeSpan.Zero ? Abandon(waiter) : WaitCoreAsync(waiter, timeout, time, cancellationToken);
    }

    private async Task WaitCoreAsync(TaskCompletionSource waiter, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, time, stopTimer.Token);
        var first = await Task.WhenAny(waiter.Task, timer).ConfigureAwait(false);
        if (first == waiter.Task)
        {
            await stopTimer.CancelAsync().ConfigureAwait(false);
            return;
        }

        await Abandon(waiter).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Stops waiting without losing a wake-up that raced with the end of the wait.</summary>
    private Task Abandon(TaskCompletionSource waiter)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_waiter, waiter))
            {
                _waiter = null;
            }
            else if (waiter.Task.IsCompleted)
            {
                // Set took this waiter after the wait had ended: keep the wake-up for the next wait.
                _set = true;
            }
        }

        return Task.CompletedTask;
    }
}
