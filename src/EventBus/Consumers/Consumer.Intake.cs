using System.Runtime.CompilerServices;

namespace EventBus.Consumers;

/// <summary>The engine's intake: the buffer, its full modes, and the overflow allowance.</summary>
/// <remarks>
/// <para>The buffer (<see cref="ConsumerBuffer{T}"/>) is created with the first item, so an idle consumer
/// holds none. Writes that may not wait (a synchronous publish, or one made from inside a handler) and find
/// a <see cref="BufferFullMode.Wait"/> buffer full go on into the overflow allowance
/// (<see cref="ConsumerSettings.OverflowCapacity"/>), in line with everything else.</para>
/// <para><b>Admission.</b> The buffer counts a write and checks that it is open in one atomic step, so an
/// item is accepted exactly when the buffer took it. What is accepted without entering the buffer (an item
/// a drop mode or a refusal loses at once) is counted in <see cref="_acceptedOutside"/> before its loss is
/// counted; a retry put back is written again, so <see cref="_putBack"/> takes that second count out.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    private ConsumerBuffer<T>? _buffer;
    private long _acceptedOutside;
    private long _putBack;
    private int _pendingPutBacks;
    private volatile bool _closed;
    private volatile bool _halted;
    private volatile bool _started;

    /// <summary>The buffer, created with the first item.</summary>
    internal ConsumerBuffer<T> Buffer => Volatile.Read(ref _buffer) ?? CreateBuffer();

    private int BufferedCount => Volatile.Read(ref _buffer)?.Count ?? 0;

    /// <summary>Offers an item when that takes no waiting and no decision: the fast path of a publish.</summary>
    /// <returns><see cref="WriteResult.Accepted"/>, <see cref="WriteResult.Closed"/>, or
    /// <see cref="WriteResult.Full"/> when <see cref="WriteAsync"/> must decide.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal WriteResult TryWrite(in WorkItem<T> item)
    {
        var result = Buffer.TryWrite(item);
        if (result == WriteResult.Accepted)
        {
            EnsureStarted();
        }

        return result;
    }

    /// <summary>Offers an item, applying the full mode when the buffer is full.</summary>
    /// <returns>Completes synchronously unless the offer waits for space.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired during a wait for space; nothing was taken.</exception>
    internal ValueTask<WriteResult> WriteAsync(in WorkItem<T> item, WriteMode mode, CancellationToken cancellationToken)
    {
        var buffer = Buffer;
        var result = buffer.TryWrite(item);
        if (result == WriteResult.Full)
        {
            result = _settings.FullMode switch
            {
                BufferFullMode.DropOldest => WriteDroppingOldest(buffer, item),
                BufferFullMode.DropWrite => AcceptAndLose(item, DropReason.DroppedWrite),
                _ when mode == WriteMode.TryOnly => WriteResult.NotTaken,
                BufferFullMode.Fail => AcceptAndLose(item, DropReason.Rejected),
                _ when mode == WriteMode.NoWait => WriteIntoOverflow(buffer, item),
                _ => WriteResult.Full,
            };

            if (result == WriteResult.Full)
            {
                return WaitForSpaceAsync(buffer, item, cancellationToken);
            }
        }

        if (result == WriteResult.Accepted)
        {
            EnsureStarted();
        }

        return new ValueTask<WriteResult>(result);
    }

    /// <summary>Puts a retried item back into the buffer without ever blocking the caller (a timer thread).</summary>
    internal void Reinject(in WorkItem<T> item)
    {
        var result = Buffer.TryPutBack(item);
        if (result == WriteResult.Full)
        {
            // Past the overflow allowance too: wait for room off this thread, counted as pending meanwhile.
            Interlocked.Increment(ref _pendingPutBacks);
            _ = PutBackLaterAsync(item);
            return;
        }

        AfterPutBack(item, result);
    }

    /// <summary>Starts the worker loops after the first write that found them not running.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureStarted()
    {
        if (!_started)
        {
            StartWorkers();
        }
    }

    private WriteResult WriteDroppingOldest(ConsumerBuffer<T> buffer, in WorkItem<T> item)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            if (buffer.TryRead(out var oldest))
            {
                Lose(oldest, DropReason.DroppedOldest);
            }

            var result = buffer.TryWrite(item);
            if (result != WriteResult.Full)
            {
                return result;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private WriteResult WriteIntoOverflow(ConsumerBuffer<T> buffer, in WorkItem<T> item)
    {
        var result = buffer.TryWrite(item, overflow: true);
        return result == WriteResult.Full ? AcceptAndLose(item, DropReason.Rejected) : result;
    }

    /// <summary>Accepts an item that never enters the buffer and loses it at once (a drop mode or a refusal).</summary>
    private WriteResult AcceptAndLose(in WorkItem<T> item, DropReason reason)
    {
        // Accepted before lost: the count of what is outstanding may only be overstated in between.
        Interlocked.Increment(ref _acceptedOutside);
        Lose(item, reason);
        return reason == DropReason.Rejected ? WriteResult.Refused : WriteResult.Accepted;
    }

    // Pooled: under sustained backpressure every offer takes this path.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WriteResult> WaitForSpaceAsync(ConsumerBuffer<T> buffer, WorkItem<T> item, CancellationToken cancellationToken)
    {
        while (true)
        {
            await buffer.WaitForSpaceAsync(untilHalt: false, cancellationToken).ConfigureAwait(false);
            var result = buffer.TryWrite(item);
            if (result != WriteResult.Full)
            {
                if (result == WriteResult.Accepted)
                {
                    EnsureStarted();
                }

                return result;
            }
        }
    }

    private async Task PutBackLaterAsync(WorkItem<T> item)
    {
        var buffer = Buffer;
        var result = WriteResult.Full;
        try
        {
            while (result == WriteResult.Full)
            {
                await buffer.WaitForSpaceAsync(untilHalt: true, CancellationToken.None).ConfigureAwait(false);
                result = buffer.TryPutBack(item);
            }
        }
        finally
        {
            AfterPutBack(item, result);
            Interlocked.Decrement(ref _pendingPutBacks);
            if (_closed)
            {
                OnFinishedWhileClosed();
            }
        }
    }

    private void AfterPutBack(in WorkItem<T> item, WriteResult result)
    {
        if (result == WriteResult.Accepted)
        {
            // Written again after the first count: the second count goes only after the write, so the
            // outstanding count is never understated.
            Interlocked.Increment(ref _putBack);
            EnsureStarted();

            // Until that count the item was counted twice: whoever finished it meanwhile saw something
            // outstanding that is not, so look again.
            if (_closed)
            {
                OnFinishedWhileClosed();
            }
        }
        else
        {
            // Halted before the item got back in: it was attempted, so it is abandoned.
            Lose(item, DropReason.Abandoned);
        }
    }

    private ConsumerBuffer<T> CreateBuffer()
    {
        ConsumerBuffer<T> created = _settings.FullMode == BufferFullMode.DropNewest
            ? new DropNewestBuffer<T>(this, _settings.Capacity)
            : new RingBuffer<T>(
                _settings.Capacity,
                _settings.FullMode == BufferFullMode.Wait ? _settings.OverflowCapacity : 0,
                Math.Max(1, _settings.WorkerCount));
        var buffer = Interlocked.CompareExchange(ref _buffer, created, null) ?? created;

        // A stop that found no buffer yet relies on this: the exchange above and the stop's flags are
        // ordered, so either the stop sees the buffer or this sees the flags (both may act: it is idempotent).
        if (_halted)
        {
            buffer.Halt();
        }
        else if (_closed)
        {
            buffer.Close();
        }

        return buffer;
    }
}
