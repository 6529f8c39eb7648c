namespace EventBus.Internal;

/// <summary>
/// Counts work that was accepted but has not finished (overflow writes, background retries), and
/// lets a drain wait until the count drops to zero. Lock-free; the wait allocates only when asked for.
/// </summary>
/// <remarks>A mutable struct, so a subscription does not pay for one more object: keep it in a
/// non-readonly field and never copy it.</remarks>
internal struct PendingCounter
{
    private int _count;
    private TaskCompletionSource? _zero;

    internal int Count => Volatile.Read(ref _count);

    /// <summary>Adds one and returns the new count.</summary>
    internal int Increment() => Interlocked.Increment(ref _count);

    /// <summary>Removes one, waking a drain that waits for zero.</summary>
    internal void Decrement()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            Volatile.Read(ref _zero)?.TrySetResult();
        }
    }

    /// <summary>Completes when the count is (or drops to) zero.</summary>
    internal Task WhenZero()
    {
        var zero = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The exchange is a full fence, so either Decrement sees this source or we see its zero.
        Interlocked.Exchange(ref _zero, zero);
        if (Volatile.Read(ref _count) <= 0)
        {
            zero.TrySetResult();
        }

        return zero.Task;
    }
}
