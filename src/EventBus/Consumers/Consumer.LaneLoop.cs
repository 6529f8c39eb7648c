using EventBus.Internal;

namespace EventBus.Consumers;

/// <summary>The inline lane's loop: what publishers could not deliver on their own thread (the lane was
/// taken) waits in the buffer, and a loop on a held slot delivers it in order (see <c>Consumer.Inline.cs</c>).</summary>
internal sealed partial class Consumer<T>
{
    /// <summary>After a lane call, a release or a buffered write: starts a lane loop when events wait and a
    /// slot is free; gives a suspended bias back when nothing waits.</summary>
    internal void AfterLaneCall()
    {
        // Orders the caller's release (or its write) before the reads below, against a writer doing the opposite.
        Interlocked.MemoryBarrier();
        if (_closed)
        {
            OnFinishedWhileClosed();
        }

        if (!_halted && !NothingWaits())
        {
            foreach (var slot in Workers)
            {
                if (Volatile.Read(ref slot.OwnerBusy) == 0 &&
                    Interlocked.CompareExchange(ref slot.State, ConsumerWorker<T>.Held, ConsumerWorker<T>.Idle) == ConsumerWorker<T>.Idle)
                {
                    slot.RestState = ConsumerWorker<T>.Held;
                    slot.Loop = HandlerScope.StartLoop(static s => s.Owner.RunLaneAsync(s), slot);
                    return;
                }
            }

            return;
        }

        if (Volatile.Read(ref LaneOwner) == Suspended && _first.OwnerBusy == 0 && Volatile.Read(ref _first.State) == ConsumerWorker<T>.Idle)
        {
            Interlocked.CompareExchange(ref LaneOwner, _biasThread, Suspended);
        }
    }

    private async ValueTask<WriteResult> StartLoopAfterAsync(ValueTask<WriteResult> written)
    {
        var result = await written.ConfigureAwait(false);
        AfterLaneCall();
        return result;
    }

    /// <summary>Delivers what waits in the buffer, in order, on a held slot; lets the slot go when nothing is left.</summary>
    private async Task RunLaneAsync(ConsumerWorker<T> slot)
    {
        HandlerScope.Enter(slot);
        var loopContext = ExecutionContext.Capture();
        var buffer = Buffer;
        while (true)
        {
            while (!_halted && buffer.TryRead(out var item))
            {
                var handled = HandleAsync(slot, item);
                if (handled.IsCompletedSuccessfully)
                {
                    _ = handled.Result;
                }
                else
                {
                    await handled.ConfigureAwait(false);
                }

                RestoreContext(loopContext);
            }

            slot.RestState = ConsumerWorker<T>.Idle;
            Volatile.Write(ref slot.State, ConsumerWorker<T>.Idle);
            Interlocked.MemoryBarrier();
            if (_halted || NothingWaits() || Volatile.Read(ref slot.OwnerBusy) != 0 ||
                Interlocked.CompareExchange(ref slot.State, ConsumerWorker<T>.Held, ConsumerWorker<T>.Idle) != ConsumerWorker<T>.Idle)
            {
                break;
            }

            slot.RestState = ConsumerWorker<T>.Held;
        }

        AfterLaneCall();
    }
}
