using EventBus.Internal;

namespace EventBus.Consumers;

/// <summary>
/// The inline lane: an inline subscription is this engine with its handler called on the publisher's
/// thread whenever a slot is free and nothing waits in the buffer. Events that arrive while every slot is
/// taken (another publisher's call, a retry) wait in the buffer and a lane loop delivers them in order,
/// so calls never overlap beyond the slot count and a failed event's retries finish before the next
/// event of a one-slot subscription.
/// </summary>
/// <remarks>
/// <para><b>Bias.</b> A one-slot lane is biased to the first thread that publishes into it: that thread
/// takes the slot with plain stores (<see cref="ConsumerWorker{T}.OwnerBusy"/>), no locked instruction.
/// Any other thread first revokes the bias (<see cref="LaneOwner"/> set to <see cref="Revoked"/>, then a
/// process-wide barrier), and from then on every caller takes a slot with a compare-and-swap on
/// <see cref="ConsumerWorker{T}.State"/> and checks <see cref="ConsumerWorker{T}.OwnerBusy"/>. The owner
/// reads <see cref="LaneOwner"/> after each of its stores, so either it sees the revocation (and falls
/// back), or the revoker sees its mark: the same asymmetric handshake as a halt's (see
/// <see cref="ConsumerWorker{T}"/>). A drain or halt revokes the bias for good; the owner's own hand-off
/// (a failure whose retries move to the thread pool, or a re-entrant publish) suspends it until the lane
/// is free again.</para>
/// <para><b>Cost.</b> Single publisher thread: a few plain loads and stores per call. Several publisher
/// threads: two locked instructions per call, and an event that finds the lane taken is delivered by a
/// lane loop on the thread pool, after the events before it, instead of on its publisher's thread.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    private const int NeverOwned = ConsumerWorker<T>.NeverOwned;
    private const int Revoked = ConsumerWorker<T>.Revoked;
    private const int Suspended = ConsumerWorker<T>.Suspended;

    private int _biasThread = -1;

    /// <summary>The lane's bias (see the remarks), kept in the first slot for the fast path (<see cref="ConsumerWorker{T}.TryEnterFast"/>).</summary>
    private ref int LaneOwner => ref _first.LaneOwner;

    /// <summary>The slot an inline lane's fast path takes.</summary>
    internal ConsumerWorker<T> Lane => _first;

    /// <summary>A fast-path call threw: its retries continue on the thread pool, holding the lane.</summary>
    internal void FailFast(int thread, T @event, Exception error)
    {
        var slot = _first;
        var item = new WorkItem<T>(@event, context: null);
        slot.Record(item);

        // Nobody else can hold the slot while OwnerBusy is set (see the remarks), so a plain store moves
        // the hold from the fast-path mark to the slot's state, for the retry to keep.
        Volatile.Write(ref slot.State, ConsumerWorker<T>.Busy);
        Interlocked.CompareExchange(ref LaneOwner, Suspended, thread);
        Volatile.Write(ref slot.OwnerBusy, 0);
        HandOffFailure(slot, item, error);
    }

    /// <summary>
    /// An inline delivery that cannot take the fast path: takes a free slot and calls the handler on this
    /// thread, or, when the lane is taken or events wait, writes the event to the buffer behind them.
    /// </summary>
    internal ValueTask<WriteResult> DeliverInline(in WorkItem<T> item, WriteMode mode, bool awaitHandler, CancellationToken cancellationToken)
    {
        var thread = ThreadIndex.Current;
        ClaimLaneFor(thread);
        if (!_closed && NothingWaits() && TryAcquireSlot(out var slot))
        {
            // Admission, as in the intake: count, then look at the intake state.
            Interlocked.Increment(ref slot.AcceptedDirectly);
            if (_closed)
            {
                Interlocked.Decrement(ref slot.AcceptedDirectly);
                Volatile.Write(ref slot.State, ConsumerWorker<T>.Idle);

                // Intake is closed, so this also looks whether the consumer has finished.
                AfterLaneCall();
                return new ValueTask<WriteResult>(WriteResult.Closed);
            }

            slot.HolderThread = thread;
            return InvokeDirect(slot, item, awaitHandler);
        }

        var written = WriteAsync(item, mode, cancellationToken);
        if (!written.IsCompleted)
        {
            return StartLoopAfterAsync(written);
        }

        AfterLaneCall();
        return written;
    }

    /// <summary>The slot held for a fast-path call, when the calling thread holds one (its handler stops its own consumer).</summary>
    private ConsumerWorker<T>? LaneSlotOfCaller()
    {
        if (!_settings.Inline)
        {
            return null;
        }

        var thread = ThreadIndex.Current;
        foreach (var slot in Workers)
        {
            if ((Volatile.Read(ref slot.OwnerBusy) == 1 && _biasThread == thread) ||
                (Volatile.Read(ref slot.State) == ConsumerWorker<T>.Busy && slot.HolderThread == thread))
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>Makes sure no other thread's bias stands in the way: grants it to the first caller, revokes it for any other.</summary>
    private void ClaimLaneFor(int thread)
    {
        var owner = Volatile.Read(ref LaneOwner);
        if (owner == Revoked || owner == thread)
        {
            return;
        }

        if (owner == NeverOwned && Interlocked.CompareExchange(ref LaneOwner, thread, NeverOwned) == NeverOwned)
        {
            _biasThread = thread;
            return;
        }

        if (owner == Suspended && thread == _biasThread)
        {
            return;
        }

        while (true)
        {
            owner = Volatile.Read(ref LaneOwner);
            if (owner == Revoked || Interlocked.CompareExchange(ref LaneOwner, Revoked, owner) == owner)
            {
                break;
            }
        }

        // Every fast-path mark the owner stored before this is visible from here on (see the remarks).
        Interlocked.MemoryBarrierProcessWide();
    }

    private bool NothingWaits() => BufferedCount == 0;

    private bool TryAcquireSlot(out ConsumerWorker<T> acquired)
    {
        foreach (var slot in Workers)
        {
            if (Volatile.Read(ref slot.OwnerBusy) == 0 &&
                Interlocked.CompareExchange(ref slot.State, ConsumerWorker<T>.Busy, ConsumerWorker<T>.Idle) == ConsumerWorker<T>.Idle)
            {
                if (Volatile.Read(ref slot.OwnerBusy) == 0)
                {
                    acquired = slot;
                    return true;
                }

                // The owner's re-entrant call holds it (a handler publishing to its own subscription).
                Volatile.Write(ref slot.State, ConsumerWorker<T>.Idle);
            }
        }

        acquired = null!;
        return false;
    }

    private ValueTask<WriteResult> InvokeDirect(ConsumerWorker<T> slot, in WorkItem<T> item, bool awaitHandler)
    {
        if (!slot.Begin())
        {
            slot.HolderThread = -1;
            LoseAtHalt(slot, item, started: false);
            AfterLaneCall();
            return new ValueTask<WriteResult>(WriteResult.Accepted);
        }

        ValueTask pending;
        var previous = HandlerScope.Current;
        try
        {
            // An asynchronous handler carries the mark into its continuations, so a stop it requests of its
            // own subscription knows not to wait for it, and its publishes never wait for space.
            HandlerScope.Enter(slot);
            if (!StartAttempt(slot, item, attempt: 1, out pending))
            {
                FinishDirect(slot, item);
                return new ValueTask<WriteResult>(WriteResult.Accepted);
            }
        }
        catch (Exception ex)
        {
            HandOffFailure(slot, item, ex);
            return new ValueTask<WriteResult>(WriteResult.Accepted);
        }
        finally
        {
            HandlerScope.Enter(previous);
        }

        if (pending.IsCompleted)
        {
            CompleteDirect(slot, item, pending);
            return new ValueTask<WriteResult>(WriteResult.Accepted);
        }

        // The call goes on without this thread: from here its continuations carry the handler mark instead,
        // and the slot records the item for a halt to report.
        slot.HolderThread = -1;
        slot.Record(item);
        var finishing = AwaitDirectAsync(slot, item, pending);
        if (awaitHandler)
        {
            return finishing;
        }

        _ = finishing.AsTask();
        return new ValueTask<WriteResult>(WriteResult.Accepted);
    }

    private async ValueTask<WriteResult> AwaitDirectAsync(ConsumerWorker<T> slot, WorkItem<T> item, ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HandOffFailure(slot, item, ex);
            return WriteResult.Accepted;
        }

        FinishDirect(slot, item);
        return WriteResult.Accepted;
    }

    /// <summary>A call that completed by the time it was looked at: read its outcome once (a pooled task may not be read twice).</summary>
    private void CompleteDirect(ConsumerWorker<T> slot, in WorkItem<T> item, ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            HandOffFailure(slot, item, ex);
            return;
        }

        FinishDirect(slot, item);
    }

    private void FinishDirect(ConsumerWorker<T> slot, in WorkItem<T> item)
    {
        // End (in Succeed) gives the slot back: from then on another publisher may hold it, so nothing after
        // it writes the slot's state (a reset to Idle here once took a slot from its next holder).
        slot.HolderThread = -1;
        Succeed(slot, item, attempt: 1);
        AfterLaneCall();
    }

    /// <summary>Moves a failed inline call's retries off the publisher's stack; the slot stays held until they end.</summary>
    private void HandOffFailure(ConsumerWorker<T> slot, WorkItem<T> item, Exception error)
    {
        slot.HolderThread = -1;
        slot.Record(item);
        _ = Task.Run(async () =>
        {
            HandlerScope.Enter(slot);
            await AfterFailureAsync(slot, item, error, attempt: 1).ConfigureAwait(false);
            AfterLaneCall();
        });
    }

    /// <summary>The owner saw its bias revoked right after marking its call: undo the mark and take the slow path.</summary>
    internal FastEntry BackOffFast(ConsumerWorker<T> slot, T @event)
    {
        Volatile.Write(ref slot.OwnerBusy, 0);
        if (_halted && !slot.KeepAtHalt(new WorkItem<T>(@event, context: null)))
        {
            // The halt saw the mark and claimed the event: counted and reported by the halt.
            return FastEntry.Done;
        }

        Volatile.Write(ref slot.OwnerAccepted, slot.OwnerAccepted - 1);
        AfterLaneCall();
        return FastEntry.NotEntered;
    }

    internal void ExitFastSlow(ConsumerWorker<T> slot, T @event)
    {
        var item = new WorkItem<T>(@event, context: null);
        if (_halted && !slot.KeepAtHalt(item))
        {
            return;
        }

        CountDelivered(slot, item, attempt: 1, byLaneOwner: true);
        AfterLaneCall();
    }
}
