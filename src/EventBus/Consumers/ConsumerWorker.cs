namespace EventBus.Consumers;

/// <summary>
/// One worker slot of a consumer: whoever holds it (its loop, or, for an inline subscription, the
/// publisher that took its lane) runs one handler call at a time, and owns the outcome of that call's
/// item unless a halt claimed it.
/// </summary>
/// <remarks>
/// <para><b>Ownership without a locked instruction per item.</b> The holder stores the item, then
/// <see cref="Busy"/>, then reads the consumer's halted flag; when the call is over it stores
/// <see cref="Idle"/> and reads the flag again. A halt sets the flag, issues a process-wide barrier
/// (<see cref="Interlocked.MemoryBarrierProcessWide"/>) and only then reads each slot's state. So for
/// each store of the holder, either the halt sees it, or the holder's next read sees the halt. Neither
/// side ever waits for the other: when both may own the item (the halt saw <see cref="Busy"/> and the
/// holder saw the flag), one compare-and-swap on <see cref="_claim"/> picks the single owner (a halt
/// sweeps each slot once, so after the holder has settled that item every later one is its own). The halt counts what it claimed; the holder counts everything
/// else.</para>
/// <para>Once the holder has seen the halted flag it never takes another item, so the item a halt
/// reads after it saw <see cref="Busy"/> is still the one the holder began.</para>
/// <para>The slot also keeps the cancellation source of timed attempts, reset and reused between
/// attempts so a timeout costs no allocation per item.</para>
/// </remarks>
internal sealed class ConsumerWorker<T> : Internal.PaddedObject, Internal.IHandlingSlot
{
    internal const int Idle = 0;
    internal const int Busy = 1;

    /// <summary>An inline subscription's lane is held by a loop that drains its buffer, between two items.</summary>
    internal const int Held = 2;

    /// <summary><see cref="LaneOwner"/>: no thread has published into the one-slot lane yet.</summary>
    internal const int NeverOwned = -2;

    /// <summary><see cref="LaneOwner"/>: no bias (several publisher threads, several slots, or a stop began).</summary>
    internal const int Revoked = -1;

    /// <summary><see cref="LaneOwner"/>: the bias owner handed its call off (a failure's retries); it resumes once the lane is free.</summary>
    internal const int Suspended = -3;

    private const int Unclaimed = 0;
    private const int ClaimedAndReported = 1;
    private const int ClaimedToReport = 2;
    private const int KeptByHolder = 3;

    /// <summary>Idle, Busy or Held; written by the holder only (taken by a compare-and-swap where several may race to hold it).</summary>
    internal int State;

    /// <summary>What <see cref="End(in WorkItem{T})"/> returns the slot to: Idle, or Held while a lane loop keeps it.</summary>
    internal int RestState;

    /// <summary>An inline lane's bias, on a consumer's first slot (see <c>Consumer.Inline.cs</c>): the index of the
    /// thread it is biased to, or <see cref="NeverOwned"/>, <see cref="Revoked"/>, <see cref="Suspended"/>. Kept in the
    /// slot, next to the marks the fast path writes, so that a call touches one object of the engine.</summary>
    internal int LaneOwner = Revoked;

    /// <summary>1 while the thread an inline lane is biased to runs a handler call on its fast path
    /// (written by that thread only; see <c>Consumer.Inline.cs</c>).</summary>
    internal int OwnerBusy;

    /// <summary>The thread index of the publisher holding the slot for a direct inline call.</summary>
    internal int HolderThread = -1;

    /// <summary>The item being handled, once <see cref="Record"/> stored it: only a call that does not finish
    /// synchronously pays for the copy (one write barrier per reference).</summary>
    internal WorkItem<T> Current;

    /// <summary>The context of the item whose attempt began last in this slot (one plain store per attempt): what a
    /// publish from inside the handler points at as its cause.</summary>
    internal EventContext? Handling;

    /// <inheritdoc />
    EventContext? Internal.IHandlingSlot.Handling => Handling;

    /// <summary>1 once <see cref="Current"/> holds the running call's item.</summary>
    internal int HasCurrent;

    /// <summary>The batch being handled while <see cref="Busy"/>, in batch mode.</summary>
    internal Batch<T>? CurrentBatch;

    /// <summary>Items in the running call (1, or the batch's view), for monitoring.</summary>
    internal int InFlight;

    /// <summary>Items delivered by this slot's holders. One writer at a time (the holder), except on an inline lane,
    /// whose direct calls count after they gave the slot back and so count with an atomic increment.</summary>
    internal long Delivered;

    /// <summary>Items accepted directly by this slot's holder (an inline subscription's lane), not through intake.</summary>
    internal long AcceptedDirectly;

    /// <summary>Items the inline lane's bias owner accepted on its fast path, and of those, delivered. Written by that
    /// one thread only, with plain stores: it counts after it let the slot go (see <c>Consumer.Inline.cs</c>), when
    /// another holder may be counting <see cref="Delivered"/> and <see cref="AcceptedDirectly"/>.</summary>
    internal long OwnerAccepted;

    /// <inheritdoc cref="OwnerAccepted"/>
    internal long OwnerDelivered;

    /// <summary>1 while the slot's loop waits for work: nothing for it to take. Set through
    /// <see cref="Consumer{T}.Park"/>, which wakes a stop awaited from inside a handler.</summary>
    internal int Parked;

    /// <summary>Stop calls the slot's handler is awaiting from inside (see <see cref="Consumer{T}.WhenQuiescentExceptAsync"/>).</summary>
    internal int WaitingInside;

    /// <summary>The slot's loop, once started.</summary>
    internal Task Loop = Task.CompletedTask;

    private int _claim;
    private CancellationTokenSource? _attempt;
    private CancellationTokenRegistration _stopLink;

    // Never read: keeps the next object (often another slot) off this slot's hot cache line.
#pragma warning disable CS0169, IDE0051
    private readonly Internal.CacheLinePadding _padding;
#pragma warning restore CS0169, IDE0051

    internal ConsumerWorker(Consumer<T> owner, int index)
    {
        Owner = owner;
        Index = index;
    }

    internal Consumer<T> Owner { get; }

    internal int Index { get; }

    internal bool IsBusy => Volatile.Read(ref State) == Busy || Volatile.Read(ref OwnerBusy) == 1;

    /// <summary>Takes the lane on the biased thread's fast path, for a plain synchronous handler and no context.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal FastEntry TryEnterFast(int thread, T @event)
    {
        if (LaneOwner != thread || OwnerBusy != 0 || State != Idle)
        {
            return FastEntry.NotEntered;
        }

        Volatile.Write(ref OwnerAccepted, OwnerAccepted + 1);
        Volatile.Write(ref OwnerBusy, 1);
        return Volatile.Read(ref LaneOwner) == thread ? FastEntry.Entered : Owner.BackOffFast(this, @event);
    }

    /// <summary>Ends a fast-path call whose handler returned.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void ExitFast(int thread, T @event)
    {
        Volatile.Write(ref OwnerBusy, 0);
        if (Volatile.Read(ref LaneOwner) != thread)
        {
            Owner.ExitFastSlow(this, @event);
            return;
        }

        Volatile.Write(ref OwnerDelivered, OwnerDelivered + 1);
        if (Volatile.Read(ref LaneOwner) != thread)
        {
            // A drain or another publisher arrived after the check above: they may wait for this count.
            Owner.AfterLaneCall();
        }
    }

    /// <summary>True while the slot runs a call whose item no halt claimed: its holder will still count it.</summary>
    internal bool MayStillFinish => IsBusy && Volatile.Read(ref _claim) is Unclaimed or KeptByHolder;

    /// <summary>Marks the start of a call on one item.</summary>
    /// <returns>False when the consumer has halted; the caller then owns the item only if
    /// <see cref="End(in WorkItem{T})"/> says so.</returns>
    internal bool Begin()
    {
        InFlight = 1;
        Volatile.Write(ref State, Busy);

        // Read after the store (see the remarks).
        return !Owner.IsHalted;
    }

    /// <summary>Stores the running call's item, for a halt to report at once if it claims it (a call that
    /// is about to wait, or a retry that keeps the slot).</summary>
    internal void Record(in WorkItem<T> item)
    {
        Current = item;
        Volatile.Write(ref HasCurrent, 1);
    }

    /// <summary>Marks the start of a call on the items in <paramref name="batch"/>'s view (see the other overload).</summary>
    internal bool Begin(Batch<T> batch)
    {
        CurrentBatch = batch;
        InFlight = batch.Count;
        Volatile.Write(ref State, Busy);
        return !Owner.IsHalted;
    }

    /// <summary>Marks the end of the call on <paramref name="item"/>.</summary>
    /// <returns>True when the holder owns the item's outcome: the consumer has not halted, or the halt
    /// did not claim the item first. A halt that claimed an item it could not see has counted it; this
    /// reports it then.</returns>
    internal bool End(in WorkItem<T> item)
    {
        // On an inline lane the next holder may take the slot the moment State is stored, and record its own
        // item: the recorded item is forgotten before, and the holder, which still has it in hand, reports it
        // if a claim could not read it (see TryClaim). A loop's slot stays its own, so it forgets after: a
        // claim of a busy slot then always finds the item, and the halt reports it before its stop completes
        // (a work queue's AbandonedItems relies on that).
        var handsOver = Owner.Settings.Inline;
        if (handsOver && HasCurrent != 0)
        {
            Interlocked.Exchange(ref HasCurrent, 0);
            Current = default;
        }

        InFlight = 0;
        Volatile.Write(ref State, RestState);
        var kept = !Owner.IsHalted || KeepAtHalt(item);
        if (!handsOver && HasCurrent != 0)
        {
            Current = default;
            HasCurrent = 0;
        }

        return kept;
    }

    /// <summary>Marks the end of a call on a batch (always recorded, see <see cref="Begin(Batch{T})"/>). Batches
    /// run only in a work queue's loops, which keep their slot, so the batch is forgotten after the decision.</summary>
    internal bool End()
    {
        InFlight = 0;
        Volatile.Write(ref State, RestState);
        var kept = !Owner.IsHalted || KeepAtHalt(default);
        CurrentBatch = null;
        return kept;
    }

    /// <summary>The holder saw the consumer halted: true when it, not the halt, owns its item. Call once per item.</summary>
    internal bool KeepAtHalt(in WorkItem<T> item)
    {
        var claim = Interlocked.CompareExchange(ref _claim, KeptByHolder, Unclaimed);
        if (claim is Unclaimed or KeptByHolder)
        {
            return true;
        }

        // The halt took this one item; it sweeps each slot once, so any later item is the holder's.
        Volatile.Write(ref _claim, KeptByHolder);
        if (claim == ClaimedToReport)
        {
            Owner.ReportLost(item, DropReason.Abandoned);
        }

        return false;
    }

    /// <summary>Called by a halt, after its process-wide barrier: claims the running item when the slot is busy.</summary>
    /// <param name="recorded">True when the item is in <paramref name="item"/> (or the batch in <paramref name="batch"/>)
    /// for the halt to report; false when the holder will report it once its call returns.</param>
    /// <param name="item">The recorded item, read before the claim (the holder clears it once it sees the claim).</param>
    /// <param name="batch">The running batch, read the same way.</param>
    /// <returns>True when the halt now owns the running item's outcome (and counts it).</returns>
    internal bool TryClaim(out bool recorded, out WorkItem<T> item, out Batch<T>? batch)
    {
        batch = Volatile.Read(ref CurrentBatch);
        item = default;
        recorded = batch is not null;
        if (Volatile.Read(ref HasCurrent) == 1)
        {
            item = Current;

            // An inline lane's holder forgets its item (HasCurrent, then Current) before it ends the call: a copy read
            // while it did so may be torn, and then it counts as unrecorded (the holder, which still has
            // the item, reports it).
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref HasCurrent) == 1)
            {
                recorded = true;
            }
            else
            {
                item = default;
            }
        }

        return IsBusy && Interlocked.CompareExchange(ref _claim, recorded ? ClaimedAndReported : ClaimedToReport, Unclaimed) == Unclaimed;
    }

    /// <summary>The token for one handler attempt: the consumer's stop token, or one that also fires at the timeout.</summary>
    internal CancellationToken BeginAttempt(TimeSpan? timeout, TimeProvider time, CancellationToken stop)
    {
        if (timeout is not { } limit)
        {
            return stop;
        }

        var attempt = _attempt;
        if (attempt is null)
        {
            attempt = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            _stopLink = stop.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), attempt);
            _attempt = attempt;
        }

        attempt.CancelAfter(limit);
        return attempt.Token;
    }

    /// <summary>Ends a timed attempt: stops its timer and reports whether the timeout (not the stop) fired.</summary>
    internal bool EndAttempt(CancellationToken stop)
    {
        var attempt = _attempt;
        if (attempt is null)
        {
            return false;
        }

        var timedOut = attempt.IsCancellationRequested && !stop.IsCancellationRequested;
        if (!attempt.TryReset())
        {
            // A cancelled source cannot be reused; the next attempt gets a fresh one.
            _stopLink.Dispose();
            attempt.Dispose();
            _attempt = null;
        }

        return timedOut;
    }
}
