namespace EventBus.Consumers;

/// <summary>
/// An item (or batch) waiting out its backoff on a timer, off any worker. Exactly one of the timer
/// (<see cref="Fire"/>) and a halt (<see cref="TryCancel"/>) wins the ticket and decides the item's fate.
/// </summary>
internal sealed class RetryTicket<T>
{
    private const int Armed = 0;
    private const int Fired = 1;
    private const int Cancelled = 2;

    private readonly RetrySchedule<T> _owner;
    private ITimer? _timer;
    private int _state;

    internal RetryTicket(RetrySchedule<T> owner, in WorkItem<T> item, Batch<T>? batch, Action<WorkItem<T>, Batch<T>?> due)
    {
        _owner = owner;
        Item = item;
        Batch = batch;
        Due = due;
    }

    /// <summary>Where the item goes once its backoff has passed.</summary>
    internal Action<WorkItem<T>, Batch<T>?> Due { get; }

    internal WorkItem<T> Item { get; }

    internal Batch<T>? Batch { get; }

    /// <summary>How many items the ticket holds.</summary>
    internal int Size => Batch is { } batch ? batch.Size - batch.Offset : 1;

    internal void Arm(TimeProvider time, TimeSpan delay)
    {
        ITimer timer;

        // The timer must not capture the worker's execution context (its handler scope, its Activity).
        using (ExecutionContext.SuppressFlow())
        {
            timer = time.CreateTimer(static state => ((RetryTicket<T>)state!).Fire(), this, delay, Timeout.InfiniteTimeSpan);
        }

        Volatile.Write(ref _timer, timer);
        if (Volatile.Read(ref _state) != Armed)
        {
            timer.Dispose();
        }
    }

    internal bool TryCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Armed) != Armed)
        {
            return false;
        }

        Volatile.Read(ref _timer)?.Dispose();
        return true;
    }

    private void Fire()
    {
        if (Interlocked.CompareExchange(ref _state, Fired, Armed) != Armed)
        {
            return;
        }

        Volatile.Read(ref _timer)?.Dispose();
        _owner.OnDue(this);
    }
}
