using EventBus.Consumers;
using EventBus.Sqlite.Consuming;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite;

/// <summary>The feeder: the one loop that moves due items from the file into the engine.</summary>
/// <remarks>
/// <para>It claims (leases) up to what the engine may hold, <see cref="_leaseLimit"/> items in all (buffer plus
/// workers; retries waiting on the engine's timers keep their lease and count), and offers each to the engine with
/// <see cref="Consumer{T}.WriteAsync"/>, waiting for buffer space when the buffer is full: that is the backpressure
/// between the file and the workers. When the file had fewer due items than asked, it waits for the store's signal
/// (a commit that adds or unblocks rows, the next retry's due time, or the poll interval).</para>
/// <para>It ends when a stop request arrives (<see cref="StopFeeding"/>), and hands back to the file, unflagged, what
/// it had claimed and the engine did not take. It never runs user code and never throws: a failing claim is logged
/// and tried again after the poll interval.</para>
/// </remarks>
public sealed partial class SqliteWorkQueue<T>
{
    private readonly CancellationTokenSource _stopFeeding = new();
    private readonly int _leaseLimit;
    private readonly int _claimLimit;
    private readonly Task _feeder;

    private void StopFeeding()
    {
        try
        {
            _stopFeeding.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Never disposed; kept for clarity should that change.
        }
    }

    private async Task FeedAsync()
    {
        var stop = _stopFeeding.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var room = Math.Min(_leaseLimit - _store.LeasedCount, _claimLimit);
                if (room > 0)
                {
                    var claimed = await ClaimAsync(room, stop).ConfigureAwait(false);
                    if (!await OfferAsync(claimed, stop).ConfigureAwait(false))
                    {
                        return;
                    }

                    if (claimed.Count == room)
                    {
                        continue;
                    }
                }

                await _store.WaitForClaimableAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // A stop request: the loop is done.
        }
        catch (ObjectDisposedException)
        {
            // The database closed under the loop; nothing was claimed by the call that saw it.
        }
    }

    /// <summary>Claims up to <paramref name="count"/> due items; a failure other than a closed database is logged and
    /// answered with nothing, after a wait for the store's next signal.</summary>
    private async Task<IReadOnlyList<DurableItem<T>>> ClaimAsync(int count, CancellationToken stop)
    {
        try
        {
            return await _store.ClaimAsync(count, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException)
        {
            SqliteLog.ClaimFailed(Environment.Logger, e, Name);
            await _store.WaitForClaimableAsync(stop).ConfigureAwait(false);
            return [];
        }
    }

    /// <summary>Offers claimed items to the engine in order, each waiting for buffer space.</summary>
    /// <returns>False when the engine's intake closed: the items it did not take went back to the file.</returns>
    private async Task<bool> OfferAsync(IReadOnlyList<DurableItem<T>> claimed, CancellationToken stop)
    {
        for (var i = 0; i < claimed.Count; i++)
        {
            var work = _outcomes.Admit(claimed[i]);
            WriteResult result;
            try
            {
                var written = _consumer.WriteAsync(work, WriteMode.MayWait, stop);
                result = written.IsCompletedSuccessfully ? written.Result : await written.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                result = WriteResult.Closed;
            }

            if (result != WriteResult.Accepted)
            {
                _outcomes.Withdraw(work);
                for (var rest = i + 1; rest < claimed.Count; rest++)
                {
                    _outcomes.Release(claimed[rest]);
                }

                return false;
            }
        }

        return true;
    }
}
