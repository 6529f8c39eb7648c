using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;

namespace EventBus.WorkQueues;

/// <summary>
/// The consuming side of a work queue: its workers, and what every mode shares: the attempt protocol
/// (begin, timeout, reclaim), retries scheduled on timers, giving up (dead-letter or drop), and the
/// halt that hands everything back at a deadline.
/// </summary>
/// <remarks>
/// <para>Subclasses decide where workers take work from and where a due retry goes back in: straight
/// from the queue's channel (<see cref="DirectItemProcessor{T}"/>), through per-key queues
/// (<see cref="PartitionedItemProcessor{T}"/>), or as batches (<see cref="BatchProcessor{T}"/>).</para>
/// <para>Accounting: every accepted item is counted once in the queue's outstanding count, and released
/// exactly once, by whoever finishes it (processed, dead-lettered, dropped or abandoned). Each hand-over
/// between owners is single-winner (a channel read, a lock, or a compare-and-swap), so nothing is
/// counted twice or lost.</para>
/// </remarks>
internal abstract class WorkProcessor<T>
{
    private readonly Lock _retryGate = new();
    private readonly HashSet<RetryTicket<T>> _tickets = [];
    private readonly TimeSpan? _timeout;
    private int _retrying;
    private volatile bool _haltSwept;

    protected WorkProcessor(WorkQueue<T> queue)
    {
        Queue = queue;
        _timeout = queue.AttemptTimeout;
        MayRetry = queue.Guarantee == DeliveryGuarantee.AtLeastOnce;
        Workers = new QueueWorker<T>[queue.WorkerCount];
        for (var i = 0; i < Workers.Length; i++)
        {
            Workers[i] = new QueueWorker<T>(this);
        }
    }

    /// <summary>A name for the mode, for the start-up log.</summary>
    internal abstract string ModeName { get; }

    /// <summary>Items this processor holds outside the queue's channel and outside handlers.</summary>
    internal abstract int Buffered { get; }

    /// <summary>Items waiting for a retry timer.</summary>
    internal int Retrying => Volatile.Read(ref _retrying);

    internal int InFlight
    {
        get
        {
            var total = 0;
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.InFlight);
            }

            return total;
        }
    }

    internal long Processed
    {
        get
        {
            long total = 0;
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.Processed);
            }

            return total;
        }
    }

    protected WorkQueue<T> Queue { get; }

    protected QueueWorker<T>[] Workers { get; }

    protected bool MayRetry { get; }

    /// <summary>True when attempts have a timeout (<see cref="WorkQueueOptions{T}.Timeout"/>).</summary>
    protected bool HasTimeout => _timeout is not null;

    protected RetryRunner<T> Runner => Queue.Runner;

    protected CancellationToken StopToken => Queue.StopToken;

    /// <summary>Starts the worker loops (and a pump, if the mode has one).</summary>
    internal void Start()
    {
        foreach (var worker in Workers)
        {
            worker.Loop = HandlerScope.StartLoop(static worker => worker.Owner.RunWorkerAsync(worker), worker);
        }

        StartPump();
    }

    /// <summary>Completes when every loop has ended, except the one of the worker calling (a drain
    /// requested from inside a handler cannot wait for its own loop).</summary>
    internal Task WhenLoopsDone()
    {
        var current = HandlerScope.Current;
        var loops = new List<Task>(Workers.Length + 1);
        foreach (var worker in Workers)
        {
            if (!ReferenceEquals(worker, current))
            {
                loops.Add(worker.Loop);
            }
        }

        if (Pump is { } pump)
        {
            loops.Add(pump);
        }

        return Task.WhenAll(loops);
    }

    /// <summary>The queue's halted flag, for its workers.</summary>
    internal bool IsHalted => Queue.IsHalted;

    /// <summary>Set once a halt has looked at every worker and claimed what it would (see <see cref="QueueWorker{T}"/>).</summary>
    internal bool HaltSwept => _haltSwept;

    /// <summary>How many items the calling handler holds, when it is one of this queue's own handlers.</summary>
    internal int HeldByCurrentHandler() =>
        HandlerScope.Current is QueueWorker<T> worker && ReferenceEquals(worker.Owner, this) ? Volatile.Read(ref worker.InFlight) : 0;

    /// <summary>
    /// The deadline passed (or the queue was disposed): claims the items of handlers still running,
    /// cancels retry timers and hands back everything buffered. The queue has already set its halted
    /// flag, cancelled its stop token and completed its channel.
    /// </summary>
    internal void Halt()
    {
        var current = HandlerScope.Current;
        var claimed = new List<WorkItem<T>>();
        foreach (var worker in Workers)
        {
            // A handler that disposes its own queue keeps its item: it finishes it after this returns.
            if (!ReferenceEquals(worker, current))
            {
                worker.TryClaim(claimed);
            }
        }

        _haltSwept = true;

        foreach (var item in claimed)
        {
            Queue.Abandon(item);
        }

        RetryTicket<T>[] tickets;
        lock (_retryGate)
        {
            tickets = [.. _tickets];
            _tickets.Clear();
        }

        foreach (var ticket in tickets)
        {
            if (ticket.TryCancel())
            {
                Interlocked.Add(ref _retrying, -ticket.Size);
                Abandon(ticket.Item, ticket.Batch);
            }
        }

        HaltBuffered();
    }

    /// <summary>A retry timer fired: the item goes back to the workers.</summary>
    internal void OnRetryDue(RetryTicket<T> ticket)
    {
        lock (_retryGate)
        {
            _tickets.Remove(ticket);
        }

        Interlocked.Add(ref _retrying, -ticket.Size);
        Reinject(ticket.Item, ticket.Batch);
    }

    protected abstract Task RunWorkerAsync(QueueWorker<T> worker);

    /// <summary>The pump's loop, for modes that have one.</summary>
    protected Task? Pump { get; private set; }

    /// <summary>True for modes with a pump: a single loop between the queue's channel and the workers.</summary>
    protected virtual bool HasPump => false;

    protected virtual Task RunPumpAsync() => Task.CompletedTask;

    /// <summary>Puts an item (or batch) whose backoff has passed back where workers take work from.</summary>
    protected abstract void Reinject(in WorkItem<T> item, Batch<T>? batch);

    /// <summary>Hands back what the mode holds outside the channel and the handlers (called by <see cref="Halt"/>).</summary>
    protected abstract void HaltBuffered();

    /// <summary>Starts an attempt; false when the queue has halted (the item was then handed back here).</summary>
    protected bool TryBegin(QueueWorker<T> worker, in WorkItem<T> item)
    {
        worker.Begin(item);
        if (!Queue.IsHalted)
        {
            return true;
        }

        if (worker.TryReclaim())
        {
            Queue.Abandon(item);
        }

        return false;
    }

    /// <summary>Starts an attempt on a batch's view; false when the queue has halted (the unfinished items
    /// were then handed back here).</summary>
    protected bool TryBegin(QueueWorker<T> worker, Batch<T> batch)
    {
        worker.Begin(batch);
        if (!Queue.IsHalted)
        {
            return true;
        }

        if (worker.TryReclaim())
        {
            Abandon(default, batch);
        }

        return false;
    }

    /// <summary>The cancellation token for the attempt about to start.</summary>
    protected CancellationToken AttemptToken(QueueWorker<T> worker) => worker.BeginAttempt(_timeout, Queue.Time, StopToken);

    /// <summary>
    /// Ends an attempt. Returns false when a halt claimed the item while the handler ran (the halt has
    /// counted and reported it; the caller must forget it). Otherwise <paramref name="error"/> is the
    /// attempt's failure, turned into a <see cref="TimeoutException"/> when the timeout fired.
    /// </summary>
    protected bool TryEnd(QueueWorker<T> worker, ref Exception? error)
    {
        var timedOut = worker.EndAttempt(StopToken);
        if (!worker.TryReclaim())
        {
            return false;
        }

        if (timedOut && _timeout is { } timeout)
        {
            Log.AttemptTimedOut(Queue.Environment.Logger, Queue.Name, timeout.TotalMilliseconds, typeof(T).Name);
            error = new TimeoutException(
                $"The handler of work queue '{Queue.Name}' ran past its timeout of {timeout.TotalMilliseconds} ms.", error);
        }

        return true;
    }

    /// <summary>True when a failure is just the handler honouring the queue's stop (a halt), not a failure of the handler.</summary>
    protected bool IsStopping(Exception error) => error is OperationCanceledException && StopToken.IsCancellationRequested;

    /// <summary>
    /// Counts failed attempt number <c>failure.Attempts</c> and schedules the retry when the policy allows.
    /// </summary>
    /// <returns>True when a retry was scheduled (the timer now owns the item or batch).</returns>
    protected bool TryScheduleRetry(in WorkItem<T> item, Batch<T>? batch, FailureRecord failure, Exception error)
    {
        var type = batch is null ? item.Item?.GetType() ?? typeof(T) : typeof(T);
        if (Runner.RecordFailure(type, item.Context, error, failure.Attempts, MayRetry) is not { } delay)
        {
            return false;
        }

        var retry = batch is null ? item.WithFailure(failure) : default;
        if (delay <= TimeSpan.Zero)
        {
            Reinject(retry, batch);
            return true;
        }

        var ticket = new RetryTicket<T>(this, retry, batch);
        lock (_retryGate)
        {
            // Checked under the lock a halt takes to cancel tickets, so no ticket is added after that sweep.
            if (Queue.IsHalted)
            {
                ticket = null;
            }
            else
            {
                _tickets.Add(ticket);
                Interlocked.Add(ref _retrying, ticket.Size);
            }
        }

        if (ticket is null)
        {
            Abandon(retry, batch);
        }
        else
        {
            ticket.Arm(Queue.Time, delay);
        }

        return true;
    }

    /// <summary>Gives an item up for good: to the dead-letter sink, or dropped when the queue does not dead-letter.</summary>
    protected ValueTask FailForGoodAsync(in WorkItem<T> item, Exception error, int attempts, DateTimeOffset firstFailedAt)
    {
        if (Queue.DeadLetterFailedItems)
        {
            return Runner.DeadLetterAsync(item.Item, item.Context, error, attempts, firstFailedAt, StopToken);
        }

        Queue.DropFailed(item);
        return default;
    }

    /// <summary>Hands back an item, or the unfinished items of a batch.</summary>
    protected void Abandon(in WorkItem<T> item, Batch<T>? batch)
    {
        if (batch is null)
        {
            Queue.Abandon(item);
            return;
        }

        for (var i = batch.Offset; i < batch.Size; i++)
        {
            Queue.Abandon(batch.ItemAt(i));
        }
    }

    private void StartPump()
    {
        if (HasPump)
        {
            Pump = HandlerScope.StartLoop(static processor => processor.RunPumpAsync(), this);
        }
    }
}
