using System.Numerics;

namespace EventBus.Consumers;

/// <summary>
/// The engine's buffer: a bounded lock-free ring with many writers and competing readers (after Dmitry
/// Vyukov's bounded queue). Each slot carries a sequence number that says whose turn it is; a writer claims
/// a position with one compare-and-swap on the tail, a reader with one on the head.
/// </summary>
/// <remarks>
/// <para><b>Admission is one word.</b> The tail holds the count of everything ever written and, in its top
/// bits, the closed and halted marks: <see cref="Close"/> and <see cref="Halt"/> set them atomically, so a
/// write either claimed its position first (and will be read) or is refused.</para>
/// <para><b>One order for both limits.</b> Capacity and overflow are two limits on the same ring, so writes
/// that may not wait stay in line with the rest.</para>
/// <para><b>Memory.</b> The ring is as long as capacity plus overflow (rounded up to a power of two), in
/// chunks of <see cref="ChunkLength"/> slots allocated when a write first reaches them: a consumer that
/// saw a handful of items holds one chunk.</para>
/// <para><b>Waiting.</b> A reader that finds the ring empty spins briefly, then parks on its own reusable
/// signal after counting itself in <see cref="_parked"/>. Both that count and a writer's claim of the tail
/// are locked instructions, so either the reader sees the claimed position and does not park, or the
/// writer sees the count and wakes a parked reader: a writer pays one plain load when nobody is parked, and
/// a reader is woken once per park, not once per item. Writers waiting for room share one signal that
/// readers complete when a quarter of the capacity is free again.</para>
/// </remarks>
internal sealed partial class RingBuffer<T> : ConsumerBuffer<T>
{
    private const long ClosedBit = long.MinValue;
    private const long HaltedBit = 1L << 62;
    private const long Marks = ClosedBit | HaltedBit;
    private const int ChunkShift = 6;
    private const int ChunkLength = 1 << ChunkShift;
    private const int SpinRounds = 24;

    /// <summary>Readers that may spin at once, process-wide: one fewer than the cores.</summary>
    private static readonly int s_maxSpinning = Environment.ProcessorCount - 1;

    /// <summary>Readers spinning now, in every ring of the process.</summary>
    private static int s_spinning;

    private readonly Slot[]?[] _chunks;
    private readonly long _mask;
    private readonly int _capacity;
    private readonly int _hardCapacity;
    private readonly int _wakeWritersAt;
    private readonly ReaderSignal[] _readers;

    // Each cursor on its own cache line: writers touch the tail (and their copy of the head), readers the head.
    private RingCursor _tail;
    private RingCursor _head;
    private int _parked;
    private TaskCompletionSource? _space;
    private volatile bool _completed;

    internal RingBuffer(int capacity, int overflowCapacity, int readers)
    {
        _capacity = capacity;
        _hardCapacity = capacity + overflowCapacity;
        var length = Math.Max(ChunkLength, (int)BitOperations.RoundUpToPowerOf2((uint)_hardCapacity));
        _chunks = new Slot[length >> ChunkShift][];
        _mask = length - 1;
        _wakeWritersAt = capacity - Math.Max(1, capacity / 4);
        _readers = new ReaderSignal[readers];
        for (var i = 0; i < readers; i++)
        {
            _readers[i] = new ReaderSignal(this);
        }
    }

    /// <inheritdoc />
    internal override int Count => (int)Math.Max(0, Written - Volatile.Read(ref _head.Value));

    /// <inheritdoc />
    internal override long Written => Volatile.Read(ref _tail.Value) & ~Marks;

    /// <inheritdoc />
    internal override WriteResult TryWrite(in WorkItem<T> item, bool overflow = false) =>
        Write(item, overflow ? _hardCapacity : _capacity, refusedBy: Marks);

    /// <inheritdoc />
    internal override WriteResult TryPutBack(in WorkItem<T> item) => Write(item, _hardCapacity, refusedBy: HaltedBit);

    /// <inheritdoc />
    internal override bool TryRead(out WorkItem<T> item)
    {
        var spinner = default(SpinWait);
        var head = Volatile.Read(ref _head.Value);
        while (true)
        {
            var chunk = Volatile.Read(ref _chunks[(head & _mask) >> ChunkShift]);
            if (chunk is null)
            {
                item = default;
                return false;
            }

            ref var slot = ref chunk[head & (ChunkLength - 1)];
            var turn = Volatile.Read(ref slot.Sequence) - (head + 1);
            if (turn == 0)
            {
                var seen = Interlocked.CompareExchange(ref _head.Value, head + 1, head);
                if (seen == head)
                {
                    item = slot.Item;
                    slot.Item = default;
                    Volatile.Write(ref slot.Sequence, head + _mask + 1);
                    if (Volatile.Read(ref _space) is not null && Count <= _wakeWritersAt)
                    {
                        ReleaseSpace();
                    }

                    return true;
                }

                head = seen;
            }
            else if (turn < 0)
            {
                if ((Volatile.Read(ref _tail.Value) & ~Marks) <= head)
                {
                    item = default;
                    return false;
                }

                // A writer claimed this position and is storing its item (a few instructions): wait for it, rather
                // than answer "empty" while a later write has already returned (that answer is not linearizable).
                spinner.SpinOnce();
                head = Volatile.Read(ref _head.Value);
            }
            else
            {
                head = Volatile.Read(ref _head.Value);
            }
        }
    }

    /// <inheritdoc />
    internal override ValueTask<bool> WaitToReadAsync(int reader, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        // Spin only while a core is left for whoever writes: more spinning readers than that (a fan-out to 64 on
        // two cores) would take the writers' time, so the rest park at once.
        if (Interlocked.Increment(ref s_spinning) <= s_maxSpinning)
        {
            for (var round = 0; round < SpinRounds; round++)
            {
                if (IsReadable() || _completed)
                {
                    Interlocked.Decrement(ref s_spinning);
                    return new ValueTask<bool>(HasClaimed() || !_completed);
                }

                Thread.SpinWait(4 << Math.Min(round, 3));
            }
        }

        Interlocked.Decrement(ref s_spinning);

        var signal = _readers[reader];
        signal.Arm();
        Interlocked.Increment(ref _parked);

        // A locked instruction, like a writer's claim of the tail: see the remarks.
        if (Volatile.Read(ref _space) is not null)
        {
            ReleaseSpace();
        }

        if ((HasClaimed() || _completed) && signal.TryDisarm())
        {
            Interlocked.Decrement(ref _parked);
            return new ValueTask<bool>(HasClaimed() || !_completed);
        }

        // Parked, or a writer took the wake-up already (then the signal is completed or about to be).
        signal.WatchCancellation(cancellationToken);
        return signal.Task;
    }

    /// <inheritdoc />
    internal override ValueTask WaitForSpaceAsync(bool untilHalt, CancellationToken cancellationToken)
    {
        // Installing the signal is a locked instruction, as a reader's claim of the head is: either the
        // reader that frees room sees the signal, or the count below sees the room.
        var space = Volatile.Read(ref _space) ?? CreateSpaceSignal();
        var stoppedBy = untilHalt ? HaltedBit : Marks;
        if (Count < _capacity || (Volatile.Read(ref _tail.Value) & stoppedBy) != 0 || _completed)
        {
            return default;
        }

        return new ValueTask(cancellationToken.CanBeCanceled ? space.Task.WaitAsync(cancellationToken) : space.Task);
    }

    /// <inheritdoc />
    internal override void Close()
    {
        Interlocked.Or(ref _tail.Value, ClosedBit);
        ReleaseSpace();
    }

    /// <inheritdoc />
    internal override void Halt()
    {
        Interlocked.Or(ref _tail.Value, Marks);
        ReleaseSpace();
    }

    /// <inheritdoc />
    internal override bool TryTakeAtHalt(out WorkItem<T> item)
    {
        // No write starts any more, so the count is final; a write that claimed its position just before
        // the halt stores its item within a few instructions.
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _head.Value) < Written)
        {
            if (TryRead(out item))
            {
                return true;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        item = default;
        return false;
    }

    /// <inheritdoc />
    internal override void Complete()
    {
        _completed = true;
        Interlocked.MemoryBarrier();
        foreach (var reader in _readers)
        {
            if (reader.TryWake())
            {
                Interlocked.Decrement(ref _parked);
            }
        }

        ReleaseSpace();
    }

    private WriteResult Write(in WorkItem<T> item, int limit, long refusedBy)
    {
        var spinner = default(SpinWait);
        var tail = Volatile.Read(ref _tail.Value);
        while ((tail & refusedBy) == 0)
        {
            var position = tail & ~Marks;
            if (position - _tail.HeadCopy >= limit)
            {
                // The copy of the head may be stale: look at the real one, only then.
                _tail.HeadCopy = Volatile.Read(ref _head.Value);
                if (position - _tail.HeadCopy >= limit)
                {
                    return WriteResult.Full;
                }
            }

            ref var slot = ref SlotAt(position);
            var turn = Volatile.Read(ref slot.Sequence) - position;
            if (turn == 0)
            {
                // Keeps the marks: a put-back may write after a close.
                var seen = Interlocked.CompareExchange(ref _tail.Value, tail + 1, tail);
                if (seen == tail)
                {
                    slot.Item = item;
                    Volatile.Write(ref slot.Sequence, position + 1);
                    if (Volatile.Read(ref _parked) != 0)
                    {
                        WakeOneReader();
                    }

                    return WriteResult.Accepted;
                }

                tail = seen;
                continue;
            }

            if (turn < 0)
            {
                // Within the limit, so the reader of the lap before has claimed this slot and is about to let it go.
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            tail = Volatile.Read(ref _tail.Value);
        }

        return WriteResult.Closed;
    }

    private ref Slot SlotAt(long position)
    {
        var index = position & _mask;
        var chunk = Volatile.Read(ref _chunks[index >> ChunkShift]) ?? CreateChunk(index >> ChunkShift);
        return ref chunk[index & (ChunkLength - 1)];
    }

    private Slot[] CreateChunk(long chunkIndex)
    {
        // Reached first in the first lap: each slot's first turn is its own position.
        var chunk = new Slot[ChunkLength];
        var first = chunkIndex << ChunkShift;
        for (var i = 0; i < ChunkLength; i++)
        {
            chunk[i].Sequence = first + i;
        }

        return Interlocked.CompareExchange(ref _chunks[chunkIndex], chunk, null) ?? chunk;
    }

    private TaskCompletionSource CreateSpaceSignal()
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _space, created, null) ?? created;
    }

    /// <summary>True when a write claimed a position no reader has taken yet (its item may still be on its way).</summary>
    private bool HasClaimed() => Written > Volatile.Read(ref _head.Value);

    /// <summary>True when the oldest position holds a stored item.</summary>
    private bool IsReadable()
    {
        var head = Volatile.Read(ref _head.Value);
        var chunk = Volatile.Read(ref _chunks[(head & _mask) >> ChunkShift]);
        return chunk is not null && Volatile.Read(ref chunk[head & (ChunkLength - 1)].Sequence) == head + 1;
    }

    private void WakeOneReader()
    {
        foreach (var reader in _readers)
        {
            if (reader.TryWake())
            {
                Interlocked.Decrement(ref _parked);
                return;
            }
        }
    }

    private void ReleaseSpace() => Interlocked.Exchange(ref _space, null)?.TrySetResult();

    private struct Slot
    {
        internal long Sequence;
        internal WorkItem<T> Item;
    }
}
