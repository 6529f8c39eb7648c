using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;

namespace EventBus.WorkQueues;

/// <summary>
/// Batching mode: a single pump forms batches from the queue's channel and workers hand them to the
/// batch handler.
/// </summary>
/// <remarks>
/// <para><b>Forming.</b> A batch starts with the first item the pump reads; the pump then takes what is
/// buffered, and if the batch is not full and a linger (<see cref="WorkQueueOptions{T}.MaxBatchDelay"/>)
/// is set, waits for more until the batch is full or the linger passes on the queue's clock, whichever
/// comes first. One pump (rather than each worker filling its own batch) keeps batches as full as the
/// traffic allows: idle workers never split a trickle of items into many small batches. At most one
/// formed batch per worker waits for a free worker; beyond that the pump stops reading, so the
/// channel's backpressure still reaches producers. Once the queue is completing, nothing lingers.</para>
/// <para><b>Failure and poison isolation.</b> A failed batch is retried as a batch, per the retry policy,
/// on a timer (the worker moves on). When its retries are exhausted the worker tries its items one at
/// a time (each a single call of the batch handler with a one-item list, no further backoff): items that
/// succeed alone are processed, and only the items that fail alone are dead-lettered (with attempts =
/// the batch's attempts + 1). A poison item thus costs its batch-mates a delay and a repeat, never
/// their delivery. Under at-most-once a failed batch is not retried or split: every item is given up.</para>
/// <para>Batches are pooled, so the list given to the handler is valid only until the handler's task
/// completes.</para>
/// </remarks>
internal sealed class BatchProcessor<T> : WorkProcessor<T>
{
    private readonly HandlerInvoker<IReadOnlyList<T>> _invoker;
    private readonly Channel<Batch<T>> _ready = Channel.CreateUnbounded<Batch<T>>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly Lock _poolGate = new();
    private readonly Stack<Batch<T>> _pool = new();
    private readonly int _maxBatchSize;
    private readonly TimeSpan _linger;
    private readonly int _maxQueuedBatches;
    private int _queuedBatches;
    private int _queuedItems;
    private int _forming;
    private TaskCompletionSource? _room;

    internal BatchProcessor(WorkQueue<T> queue, HandlerInvoker<IReadOnlyList<T>> invoker)
        : base(queue)
    {
        _invoker = invoker;
        _maxBatchSize = queue.MaxBatchSize;
        _linger = queue.MaxBatchDelay;
        _maxQueuedBatches = queue.WorkerCount;
    }

    internal override string ModeName => "batching";

    internal override int Buffered => Math.Max(0, Volatile.Read(ref _queuedItems)) + Volatile.Read(ref _forming);

    protected override bool HasPump => true;

    protected override async Task RunPumpAsync()
    {
        var reader = Queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var first))
                {
                    var batch = Rent();
                    batch.Add(first);
                    Fill(batch, reader);

                    // Items taken from the channel count in the queue's depth while the batch forms.
                    Volatile.Write(ref _forming, batch.Size);
                    if (!batch.IsFull && _linger > TimeSpan.Zero && !Queue.IsClosed)
                    {
                        await LingerAsync(batch, reader).ConfigureAwait(false);
                    }

                    await DispatchAsync(batch).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _ready.Writer.TryComplete();
        }
    }

    protected override async Task RunWorkerAsync(QueueWorker<T> worker)
    {
        HandlerScope.Enter(worker);
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var batch))
            {
                if (batch.Failure is null)
                {
                    // A new batch from the pump (a retried batch was never counted as queued).
                    Interlocked.Add(ref _queuedItems, -batch.Size);
                    if (Interlocked.Decrement(ref _queuedBatches) < _maxQueuedBatches)
                    {
                        Volatile.Read(ref _room)?.TrySetResult();
                    }
                }

                await HandleBatchAsync(worker, batch).ConfigureAwait(false);
            }
        }
    }

    protected override void Reinject(in WorkItem<T> item, Batch<T>? batch)
    {
        if (!_ready.Writer.TryWrite(batch!))
        {
            Abandon(default, batch);
        }
    }

    protected override void HaltBuffered()
    {
        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out var batch))
        {
            Abandon(default, batch);
        }

        Volatile.Read(ref _room)?.TrySetResult();
    }

    private static void Fill(Batch<T> batch, ChannelReader<WorkItem<T>> reader)
    {
        while (!batch.IsFull && reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private async ValueTask LingerAsync(Batch<T> batch, ChannelReader<WorkItem<T>> reader)
    {
        // A new source per lingering batch: it allocates, but only when traffic is too light to fill
        // batches, and its timer is created with the linger as due time on the queue's clock.
        using var linger = new CancellationTokenSource(_linger, Queue.Time);
        // Once intake closes nothing more is coming: a batch that lingered would only delay the drain.
        using var closing = Queue.ClosingToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), linger);
        try
        {
            while (!batch.IsFull && await reader.WaitToReadAsync(linger.Token).ConfigureAwait(false))
            {
                Fill(batch, reader);
                Volatile.Write(ref _forming, batch.Size);
            }
        }
        catch (OperationCanceledException) when (linger.IsCancellationRequested)
        {
            // The linger passed (or the queue is completing): take what has arrived, even just now.
            Fill(batch, reader);
            Volatile.Write(ref _forming, batch.Size);
        }
    }

    private async ValueTask DispatchAsync(Batch<T> batch)
    {
        // Counted as queued before it stops counting as forming, so the depth never dips in between.
        Interlocked.Add(ref _queuedItems, batch.Size);
        Volatile.Write(ref _forming, 0);
        Interlocked.Increment(ref _queuedBatches);
        if (Queue.IsHalted || !_ready.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _queuedItems, -batch.Size);
            Interlocked.Decrement(ref _queuedBatches);
            Abandon(default, batch);
            return;
        }

        while (Volatile.Read(ref _queuedBatches) >= _maxQueuedBatches && !Queue.IsHalted)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _room, room);
            if (Volatile.Read(ref _queuedBatches) < _maxQueuedBatches || Queue.IsHalted)
            {
                break;
            }

            await room.Task.ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask HandleBatchAsync(QueueWorker<T> worker, Batch<T> batch)
    {
        batch.ViewAll();
        if (!TryBegin(worker, batch))
        {
            return;
        }

        var error = await AttemptAsync(worker, batch).ConfigureAwait(false);
        if (!TryEnd(worker, ref error))
        {
            // A halt claimed the batch while the handler ran and handed its items back; the handler may
            // still hold the list, so the batch is not pooled again.
            return;
        }

        if (error is null)
        {
            Queue.OnProcessed(worker, batch.Size);
            Return(batch);
            return;
        }

        if (IsStopping(error))
        {
            Abandon(default, batch);
            return;
        }

        var failure = batch.Failure ??= new FailureRecord(Queue.Time.GetUtcNow());
        failure.Attempts++;
        if (TryScheduleRetry(default, batch, failure, error))
        {
            return;
        }

        if (!MayRetry || batch.Size == 1)
        {
            // At-most-once does not try again; a batch of one has nothing to isolate.
            for (var i = 0; i < batch.Size; i++)
            {
                await FailForGoodAsync(batch.ItemAt(i), error, failure.Attempts, failure.FirstFailedAt).ConfigureAwait(false);
            }

            Queue.Release(batch.Size);
            Return(batch);
            return;
        }

        await IsolateAsync(worker, batch, failure).ConfigureAwait(false);
    }

    /// <summary>The batch failed every attempt: tries each item alone, so only the ones that fail alone are given up.</summary>
    private async ValueTask IsolateAsync(QueueWorker<T> worker, Batch<T> batch, FailureRecord failure)
    {
        Log.BatchIsolating(Queue.Environment.Logger, Queue.Name, batch.Size, typeof(T).Name, failure.Attempts);
        for (var i = 0; i < batch.Size; i++)
        {
            batch.ViewOne(i);
            if (!TryBegin(worker, batch))
            {
                return;
            }

            var error = await AttemptAsync(worker, batch).ConfigureAwait(false);
            if (!TryEnd(worker, ref error))
            {
                return;
            }

            if (error is null)
            {
                Queue.OnProcessed(worker, 1);
                continue;
            }

            if (IsStopping(error))
            {
                Abandon(default, batch);
                return;
            }

            var item = batch.ItemAt(i);
            var attempts = failure.Attempts + 1;
            Runner.RecordFailure(typeof(T), item.Context, error, attempts, mayRetry: false);
            await FailForGoodAsync(item, error, attempts, failure.FirstFailedAt).ConfigureAwait(false);
            Queue.Release(1);
        }

        Return(batch);
    }

    /// <summary>Calls the batch handler once with the batch's current view; returns its failure, if any.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Exception?> AttemptAsync(QueueWorker<T> worker, Batch<T> batch)
    {
        try
        {
            var telemetry = Runner.Telemetry;
            if (telemetry.IsObserved)
            {
                var attempt = (batch.Failure?.Attempts ?? 0) + 1;
                await telemetry.InvokeAsync<IReadOnlyList<T>>(_invoker, batch, null, attempt, batch.Count, AttemptToken(worker)).ConfigureAwait(false);
            }
            else
            {
                await _invoker.InvokeAsync(batch, null, AttemptToken(worker)).ConfigureAwait(false);
            }
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private Batch<T> Rent()
    {
        lock (_poolGate)
        {
            if (_pool.TryPop(out var batch))
            {
                return batch;
            }
        }

        return new Batch<T>(_maxBatchSize);
    }

    private void Return(Batch<T> batch)
    {
        batch.Clear();
        lock (_poolGate)
        {
            if (_pool.Count < (2 * _maxQueuedBatches) + 2)
            {
                _pool.Push(batch);
            }
        }
    }
}
