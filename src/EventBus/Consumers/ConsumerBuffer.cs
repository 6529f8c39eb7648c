namespace EventBus.Consumers;

/// <summary>
/// A consumer's buffer: where accepted items wait for a worker. <see cref="RingBuffer{T}"/> is the buffer of
/// every full mode but one; <see cref="DropNewestBuffer{T}"/> serves <see cref="BufferFullMode.DropNewest"/>,
/// which must take back the newest buffered item, something a lock-free ring cannot do safely under its readers.
/// </summary>
/// <remarks>
/// <para><b>Accepting is counting.</b> <see cref="Written"/> counts every write that succeeded, and a write
/// succeeds or is refused atomically with <see cref="Close"/> and <see cref="Halt"/>: an item is either in
/// the count (and will be read, or taken by <see cref="TryTakeAtHalt"/>) or was never accepted.</para>
/// <para><b>Two limits.</b> A write may fill the buffer to its capacity; a write that may not wait (a
/// synchronous publish, or one from inside a handler) may go on into the overflow allowance, in the same
/// order as everything else.</para>
/// </remarks>
internal abstract class ConsumerBuffer<T>
{
    /// <summary>Items in the buffer now (a snapshot; a write in progress may be included).</summary>
    internal abstract int Count { get; }

    /// <summary>Every write that succeeded, retries put back included.</summary>
    internal abstract long Written { get; }

    /// <summary>Writes an item if the buffer is open and below capacity (with <paramref name="overflow"/>, below
    /// capacity plus the overflow allowance).</summary>
    /// <returns><see cref="WriteResult.Accepted"/>, <see cref="WriteResult.Full"/> or <see cref="WriteResult.Closed"/>.</returns>
    internal abstract WriteResult TryWrite(in WorkItem<T> item, bool overflow = false);

    /// <summary>Puts a retried item back: allowed after <see cref="Close"/> (the item was accepted before), not after <see cref="Halt"/>.</summary>
    /// <returns><see cref="WriteResult.Accepted"/>, <see cref="WriteResult.Full"/> (over the overflow allowance) or
    /// <see cref="WriteResult.Closed"/> (halted).</returns>
    internal abstract WriteResult TryPutBack(in WorkItem<T> item);

    /// <summary>Takes the oldest item, if any. Safe alongside other readers.</summary>
    internal abstract bool TryRead(out WorkItem<T> item);

    /// <summary>Waits until an item may be there (true) or the buffer is completed and empty (false).
    /// <paramref name="reader"/> is the caller's index: at most one waiter per index at a time.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    internal abstract ValueTask<bool> WaitToReadAsync(int reader, CancellationToken cancellationToken = default);

    /// <summary>Waits until a write below capacity may succeed, or the buffer closed (halted, with
    /// <paramref name="untilHalt"/>): the caller then tries again.</summary>
    internal abstract ValueTask WaitForSpaceAsync(bool untilHalt, CancellationToken cancellationToken);

    /// <summary>Refuses every later write except put-backs; what was written stays readable.</summary>
    internal abstract void Close();

    /// <summary>Refuses every later write, put-backs included.</summary>
    internal abstract void Halt();

    /// <summary>After <see cref="Halt"/>: takes an item still in the buffer, waiting out a write in progress;
    /// false once every written item has been read.</summary>
    internal abstract bool TryTakeAtHalt(out WorkItem<T> item);

    /// <summary>Nothing more will be read: waiting readers wake and find the end.</summary>
    internal abstract void Complete();
}
