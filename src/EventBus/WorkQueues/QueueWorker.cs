namespace EventBus.WorkQueues;

/// <summary>One worker of a work queue: its loop's state, written by that loop only, except for the claim a
/// halt makes on a worker whose handler is still running.</summary>
/// <remarks>
/// <para><see cref="State"/> tells who owns the item (or batch) in <see cref="CurrentItem"/>/<see cref="CurrentBatch"/>:
/// while <see cref="Busy"/> the worker's handler holds it, and a halt may claim it to hand it back at the
/// deadline without waiting for a handler that may never return. Whoever owns the item counts it,
/// exactly once.</para>
/// <para>The handshake takes no locked instruction per item. The worker stores <see cref="Busy"/> or
/// <see cref="Idle"/> and then reads the queue's halted flag; a halt sets that flag, issues a
/// process-wide barrier (<see cref="Interlocked.MemoryBarrierProcessWide"/>) and only then reads the
/// workers' states. So for each store the worker makes, either the halt sees it, or the worker sees the
/// halt. A halt claims a worker it sees <see cref="Busy"/> (takes its item and sets
/// <see cref="_claimedByHalt"/>) and marks its sweep finished; a worker that sees the halt waits for
/// that mark and then knows whether its item was claimed. Before this, each item cost a
/// compare-and-swap to settle ownership, one of the locked instructions that made suite 4's work
/// queue slower than the raw channel.</para>
/// <para>The worker also keeps the cancellation source of its attempts when the queue has a timeout,
/// reset and reused between attempts so the timeout costs no allocation per item.</para>
/// </remarks>
internal sealed class QueueWorker<T>(WorkProcessor<T> owner)
{
    internal const int Idle = 0;
    internal const int Busy = 1;

    internal readonly WorkProcessor<T> Owner = owner;
    internal int State;
    internal int InFlight;
    internal long Processed;
    internal WorkItem<T> CurrentItem;
    internal Batch<T>? CurrentBatch;
    internal Task Loop = Task.CompletedTask;

    private CancellationTokenSource? _attempt;
    private CancellationTokenRegistration _stopLink;

    /// <summary>Set by a halt that took this worker's item; read by the worker once the halt's sweep is over.</summary>
    private volatile bool _claimedByHalt;

    // Never read: keeps the next object (often the other worker) off this worker's hot cache line.
#pragma warning disable CS0169, IDE0051
    private readonly Internal.CacheLinePadding _padding;
#pragma warning restore CS0169, IDE0051

    /// <summary>The token for one handler attempt: the queue's stop token, or one that also fires at the timeout.</summary>
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

    /// <summary>Ends an attempt: stops its timer and reports whether the timeout (not the stop) fired.</summary>
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

    /// <summary>Marks the start of an attempt on <paramref name="item"/>.</summary>
    /// <remarks>The busy mark is a release store, not a locked instruction: the caller reads the queue's
    /// halted flag next, and a halt sets that flag and then issues a process-wide barrier before it
    /// looks at workers, so either the worker sees the halt or the halt sees the mark (and the item
    /// stored before it).</remarks>
    internal void Begin(in WorkItem<T> item)
    {
        CurrentItem = item;
        InFlight = 1;
        Volatile.Write(ref State, Busy);
    }

    /// <summary>Marks the start of an attempt on the items in <paramref name="batch"/>'s view (see the other overload).</summary>
    internal void Begin(Batch<T> batch)
    {
        CurrentBatch = batch;
        InFlight = batch.Count;
        Volatile.Write(ref State, Busy);
    }

    /// <summary>Takes the item back from <see cref="Busy"/>; false when a halt claimed it (and counted it) first.</summary>
    internal bool TryReclaim()
    {
        InFlight = 0;
        Volatile.Write(ref State, Idle);
        if (Owner.IsHalted && !SettleWithHalt())
        {
            return false;
        }

        CurrentItem = default;
        CurrentBatch = null;
        return true;
    }

    /// <summary>The queue halted while this worker held an item: waits for the halt's sweep (which reads the
    /// item, so nothing may overwrite it before), then reports whether the item is still this worker's.</summary>
    private bool SettleWithHalt()
    {
        var spinner = default(SpinWait);
        while (!Owner.HaltSwept)
        {
            spinner.SpinOnce();
        }

        if (_claimedByHalt)
        {
            // Consumed once: a later item of this worker was never seen by the sweep.
            _claimedByHalt = false;
            return false;
        }

        return true;
    }

    /// <summary>Called by a halt, after its process-wide barrier: claims the running item or batch, if
    /// any, and returns what it held.</summary>
    internal bool TryClaim(List<WorkItem<T>> claimed)
    {
        if (Volatile.Read(ref State) != Busy)
        {
            return false;
        }

        if (CurrentBatch is { } batch)
        {
            for (var i = batch.Offset; i < batch.Size; i++)
            {
                claimed.Add(batch.ItemAt(i));
            }
        }
        else
        {
            claimed.Add(CurrentItem);
        }

        _claimedByHalt = true;
        return true;
    }
}
