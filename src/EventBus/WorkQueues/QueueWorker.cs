namespace EventBus.WorkQueues;

/// <summary>One worker of a work queue: its loop's state, written by that loop only, except for the claim a
/// halt makes on a worker whose handler is still running.</summary>
/// <remarks>
/// <para><see cref="State"/> tells who owns the item (or batch) in <see cref="CurrentItem"/>/<see cref="CurrentBatch"/>:
/// while <see cref="Busy"/> the worker's handler holds it and a halt may claim it (<see cref="Busy"/> to
/// <see cref="Claiming"/>, read the item, then <see cref="Claimed"/>) to hand it back at the deadline
/// without waiting for a handler that may never return. The worker settles ownership with one
/// compare-and-swap when the handler returns: whoever wins counts the item, exactly once.</para>
/// <para>The worker also keeps the cancellation source of its attempts when the queue has a timeout,
/// reset and reused between attempts so the timeout costs no allocation per item.</para>
/// </remarks>
internal sealed class QueueWorker<T>(WorkProcessor<T> owner)
{
    internal const int Idle = 0;
    internal const int Busy = 1;
    internal const int Claiming = 2;
    internal const int Claimed = 3;

    internal readonly WorkProcessor<T> Owner = owner;
    internal int State;
    internal int InFlight;
    internal long Processed;
    internal WorkItem<T> CurrentItem;
    internal Batch<T>? CurrentBatch;
    internal Task Loop = Task.CompletedTask;

    private CancellationTokenSource? _attempt;
    private CancellationTokenRegistration _stopLink;

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
    internal void Begin(in WorkItem<T> item)
    {
        CurrentItem = item;
        InFlight = 1;
        Interlocked.Exchange(ref State, Busy);
    }

    /// <summary>Marks the start of an attempt on the items in <paramref name="batch"/>'s view.</summary>
    internal void Begin(Batch<T> batch)
    {
        CurrentBatch = batch;
        InFlight = batch.Count;
        Interlocked.Exchange(ref State, Busy);
    }

    /// <summary>Takes the item back from <see cref="Busy"/>; false when a halt claimed it (and counted it) first.</summary>
    internal bool TryReclaim()
    {
        InFlight = 0;
        var prior = Interlocked.CompareExchange(ref State, Idle, Busy);
        if (prior == Busy)
        {
            CurrentItem = default;
            CurrentBatch = null;
            return true;
        }

        // Let the halt finish reading the item before this worker moves on and overwrites it.
        var spinner = default(SpinWait);
        while (Volatile.Read(ref State) == Claiming)
        {
            spinner.SpinOnce();
        }

        return false;
    }

    /// <summary>Called by a halt: claims the running item or batch, if any, and returns what it held.</summary>
    internal bool TryClaim(List<WorkItem<T>> claimed)
    {
        if (Interlocked.CompareExchange(ref State, Claiming, Busy) != Busy)
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

        Volatile.Write(ref State, Claimed);
        return true;
    }
}
