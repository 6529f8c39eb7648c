using System.Collections.Concurrent;

namespace EventBus.RabbitMQ.Internal;

/// <summary>The deliveries of one inbound handler whose local handling is still running, so that a stop can
/// wait for them (until its deadline) before the channel closes and the broker takes them back.</summary>
internal sealed class PendingSettlements
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Keeps <paramref name="settlement"/> (which never throws) until it completes.</summary>
    internal void Track(Task settlement)
    {
        if (settlement.IsCompleted)
        {
            return;
        }

        _running.TryAdd(settlement, 0);
        _ = settlement.ContinueWith(
            static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _),
            _running,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits for every tracked settlement, or until <paramref name="deadline"/>; what is still
    /// running then stays unacknowledged and goes back to the broker with the channel.</summary>
    internal async ValueTask WhenDoneAsync(CancellationToken deadline)
    {
        var running = _running.Keys.ToArray();
        if (running.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The deadline passed: closing the channel hands the rest back to the broker.
        }
    }
}
