using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EventBus.Internal;

namespace EventBus.Consumers;

/// <summary>The engine's intake: the bounded buffer, its full modes, and the overflow line.</summary>
/// <remarks>
/// <para>The buffer is a bounded channel created with the first item, so an idle consumer holds none.
/// Writes that may not wait (a synchronous publish, or one made from inside a handler) and find a
/// <see cref="BufferFullMode.Wait"/> buffer full become pending channel writes, which the channel moves
/// in order into the buffer as space frees: that is the overflow line, bounded by
/// <see cref="ConsumerSettings.OverflowCapacity"/>. Such a write is accepted as soon as it queues.</para>
/// <para><b>Admission.</b> An offer counts itself in (<see cref="_accepted"/>) and only then reads
/// <see cref="_closed"/>; a drain or halt sets that flag and issues a process-wide barrier before it
/// reads the counts. So either the offer sees the intake closed and takes its count back, or the stop
/// sees the offer and waits for it: an accepted item (the overflow line's included) is never left
/// behind by a graceful drain.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    private Channel<WorkItem<T>>? _channel;
    private int _overflow;
    private int _pendingRetryWrites;
    private volatile bool _closed;
    private volatile bool _halted;
    private volatile bool _started;

    /// <summary>The channel, created with the first item.</summary>
    internal Channel<WorkItem<T>> Buffer => Volatile.Read(ref _channel) ?? CreateChannel();

    private int BufferedCount => Volatile.Read(ref _channel)?.Reader.Count ?? 0;

    /// <summary>Offers an item when that takes no waiting and no decision: the fast path of a publish.</summary>
    /// <returns><see cref="WriteResult.Accepted"/>, <see cref="WriteResult.Closed"/>, or
    /// <see cref="WriteResult.Full"/> when <see cref="WriteAsync"/> must decide.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal WriteResult TryWrite(in WorkItem<T> item)
    {
        var thread = ThreadIndex.Current;
        _accepted.Increment(thread);
        if (_closed)
        {
            return TakeBack(thread);
        }

        if (Buffer.Writer.TryWrite(item))
        {
            EnsureStarted();
            return WriteResult.Accepted;
        }

        _accepted.Add(thread, -1);
        return WriteResult.Full;
    }

    /// <summary>Offers an item, applying the full mode when the buffer is full.</summary>
    /// <returns>Completes synchronously unless the offer waits for space.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired during a wait for space; nothing was taken.</exception>
    internal ValueTask<WriteResult> WriteAsync(in WorkItem<T> item, WriteMode mode, CancellationToken cancellationToken)
    {
        var thread = ThreadIndex.Current;
        _accepted.Increment(thread);
        if (_closed)
        {
            return new ValueTask<WriteResult>(TakeBack(thread));
        }

        var writer = Buffer.Writer;
        if (writer.TryWrite(item))
        {
            EnsureStarted();
            return new ValueTask<WriteResult>(WriteResult.Accepted);
        }

        // Only Wait and Fail reach this point: the drop modes always take a write.
        if (_halted)
        {
            return new ValueTask<WriteResult>(TakeBack(thread));
        }

        if (mode == WriteMode.TryOnly)
        {
            TakeBack(thread);
            return new ValueTask<WriteResult>(WriteResult.NotTaken);
        }

        if (_settings.FullMode == BufferFullMode.Fail || (mode == WriteMode.NoWait && !TryOverflow(item)))
        {
            Lose(item, DropReason.Rejected);
            return new ValueTask<WriteResult>(WriteResult.Refused);
        }

        return mode == WriteMode.NoWait ? new ValueTask<WriteResult>(WriteResult.Accepted) : WaitForSpaceAsync(item, cancellationToken);
    }

    /// <summary>Puts a retried item back into the buffer without ever blocking the caller (a timer thread).</summary>
    internal void Reinject(in WorkItem<T> item)
    {
        var writer = Buffer.Writer;
        if (writer.TryWrite(item))
        {
            return;
        }

        // Full: a pending write, queued in order with waiting producers. The channel is completed only
        // when nothing is outstanding or at a halt, so the write lands or fails (and is then lost).
        Interlocked.Increment(ref _pendingRetryWrites);
        CompletePendingWrite(writer.WriteAsync(item), item, overflow: false);
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

    private WriteResult TakeBack(int thread)
    {
        _accepted.Add(thread, -1);
        if (_closed)
        {
            OnFinishedWhileClosed();
        }

        return WriteResult.Closed;
    }

    private bool TryOverflow(in WorkItem<T> item)
    {
        if (Interlocked.Increment(ref _overflow) > _settings.OverflowCapacity)
        {
            Interlocked.Decrement(ref _overflow);
            return false;
        }

        CompletePendingWrite(Buffer.Writer.WriteAsync(item), item, overflow: true);
        return true;
    }

    private void CompletePendingWrite(ValueTask write, in WorkItem<T> item, bool overflow)
    {
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            Interlocked.Decrement(ref overflow ? ref _overflow : ref _pendingRetryWrites);
            EnsureStarted();
            return;
        }

        _ = AwaitPendingWriteAsync(write, item, overflow);
    }

    private async Task AwaitPendingWriteAsync(ValueTask write, WorkItem<T> item, bool overflow)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Accepted, but the consumer halted before the item reached the buffer.
            Lose(item, LostAtHalt(started: !overflow));
        }
        finally
        {
            Interlocked.Decrement(ref overflow ? ref _overflow : ref _pendingRetryWrites);
        }
    }

    // Pooled: under sustained backpressure every offer takes this path.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WriteResult> WaitForSpaceAsync(WorkItem<T> item, CancellationToken cancellationToken)
    {
        try
        {
            await Buffer.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            EnsureStarted();
            return WriteResult.Accepted;
        }
        catch (ChannelClosedException)
        {
            return TakeBack(ThreadIndex.Current);
        }
        catch (OperationCanceledException)
        {
            TakeBack(ThreadIndex.Current);
            throw;
        }
    }

    private Channel<WorkItem<T>> CreateChannel()
    {
        var options = new BoundedChannelOptions(_settings.Capacity)
        {
            FullMode = _settings.FullMode switch
            {
                BufferFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
                BufferFullMode.DropNewest => BoundedChannelFullMode.DropNewest,
                BufferFullMode.DropWrite => BoundedChannelFullMode.DropWrite,
                _ => BoundedChannelFullMode.Wait,
            },
            SingleReader = _settings.WorkerCount == 1 && _dispatch is null,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        var created = _settings.FullMode is BufferFullMode.DropOldest or BufferFullMode.DropNewest or BufferFullMode.DropWrite
            ? Channel.CreateBounded<WorkItem<T>>(options, OnItemDropped)
            : Channel.CreateBounded<WorkItem<T>>(options);
        return Interlocked.CompareExchange(ref _channel, created, null) ?? created;
    }

    private void OnItemDropped(WorkItem<T> item)
    {
        var reason = _settings.FullMode switch
        {
            BufferFullMode.DropOldest => DropReason.DroppedOldest,
            BufferFullMode.DropNewest => DropReason.DroppedNewest,
            _ => DropReason.DroppedWrite,
        };
        Lose(item, reason);
    }
}
