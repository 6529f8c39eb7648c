using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EventBus.Consumers;
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
/// <para>The engine does the rest: the slots and their claims (a halt claims a running batch's unfinished
/// items), counting, scheduled retries (which come back through <see cref="Reinject"/>) and the lifecycle.</para>
/// </remarks>
// The closing source has no timer and nobody reads its wait handle: it holds nothing to release.
#pragma warning disable CA1001
internal sealed class BatchDispatch<T> : WorkDispatch<T>
#pragma warning restore CA1001
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
    private readonly CancellationTokenSource _closing = new();
    private readonly int _maxBatchSize;
    private readonly TimeSpan _linger;
    private readonly int _maxQueuedBatches;
    private readonly bool _mayRetry;
    private int _queuedBatches;
    private int _queuedItems;
    private int _forming;
    private TaskCompletionSource? _room;
    private Action<WorkItem<T>, Batch<T>?>? _due;

    internal BatchDispatch(HandlerInvoker<IReadOnlyList<T>> invoker, int maxBatchSize, TimeSpan linger, int workerCount, bool mayRetry)
    {
        _invoker = invoker;
        _maxBatchSize = maxBatchSize;
        _linger = linger;
        _maxQueuedBatches = workerCount;
        _mayRetry = mayRetry;
    }

    internal override string ModeName => "batching";

    internal override int Held => Math.Max(0, Volatile.Read(ref _queuedItems)) + Volatile.Read(ref _forming);

    internal override void Start() => _ = HandlerScope.StartLoop(static dispatch => dispatch.RunPumpAsync(), this);

    internal override void Complete() => _ready.Writer.TryComplete();

    internal override void OnClosing() => _closing.Cancel();

    internal override async Task RunWorkerAsync(ConsumerWorker<T> worker)
    {
        HandlerScope.Enter(worker);
        var loopContext = ExecutionContext.Capture();
        var reader = _ready.Reader;
        while (true)
        {
            while (reader.TryRead(out var batch))
            {
                Unqueue(batch);

                await HandleBatchAsync(worker, batch).ConfigureAwait(false);
                Consumer<T>.RestoreContext(loopContext);
            }

            Consumer.Park(worker, parked: true);
            var more = await reader.WaitToReadAsync().ConfigureAwait(false);
            Consumer.Park(worker, parked: false);
            if (!more)
            {
                return;
            }
        }
    }

    internal override void Reinject(WorkItem<T> item, Batch<T>? batch)
    {
        if (!_ready.Writer.TryWrite(batch!))
        {
            Consumer.Lose(batch!, DropReason.Abandoned);
        }
    }

    internal override void Halt(DropReason reason)
    {
        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out var batch))
        {
            Unqueue(batch);
            Consumer.Lose(batch, batch.Failure is null ? reason : DropReason.Abandoned);
        }

        Volatile.Read(ref _room)?.TrySetResult();
    }

    /// <summary>A batch left the ready line (to a worker, or lost at a halt): a new one from the pump stops counting
    /// as queued (a retried batch never counted), and the pump may form the next.</summary>
    private void Unqueue(Batch<T> batch)
    {
        if (batch.Failure is not null)
        {
            return;
        }

        Interlocked.Add(ref _queuedItems, -batch.Size);
        if (Interlocked.Decrement(ref _queuedBatches) < _maxQueuedBatches)
        {
            Volatile.Read(ref _room)?.TrySetResult();
        }
    }

    private async Task RunPumpAsync()
    {
        var buffer = Consumer.Buffer;
        try
        {
            while (await buffer.WaitToReadAsync(0).ConfigureAwait(false))
            {
                while (buffer.TryRead(out var first))
                {
                    var batch = Rent();
                    batch.Add(first);
                    Fill(batch, buffer);

                    // Items taken from the buffer count as held while the batch forms.
                    Volatile.Write(ref _forming, batch.Size);
                    if (!batch.IsFull && _linger > TimeSpan.Zero && !Consumer.IsClosed)
                    {
                        await LingerAsync(batch, buffer).ConfigureAwait(false);
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

    private static void Fill(Batch<T> batch, ConsumerBuffer<T> buffer)
    {
        while (!batch.IsFull && buffer.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private async ValueTask LingerAsync(Batch<T> batch, ConsumerBuffer<T> buffer)
    {
        // A new source per lingering batch: it allocates, but only when traffic is too light to fill
        // batches, and its timer is created with the linger as due time on the queue's clock.
        using var linger = new CancellationTokenSource(_linger, Consumer.Time);

        // Once intake closes nothing more is coming: a batch that lingered would only delay the drain.
        using var closing = _closing.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), linger);
        try
        {
            while (!batch.IsFull && await buffer.WaitToReadAsync(0, linger.Token).ConfigureAwait(false))
            {
                Fill(batch, buffer);
                Volatile.Write(ref _forming, batch.Size);
            }
        }
        catch (OperationCanceledException) when (linger.IsCancellationRequested)
        {
            // The linger passed (or the queue is completing): take what has arrived, even just now.
            Fill(batch, buffer);
            Volatile.Write(ref _forming, batch.Size);
        }
    }

    private async ValueTask DispatchAsync(Batch<T> batch)
    {
        // Counted as queued before it stops counting as forming, so the depth never dips in between.
        Interlocked.Add(ref _queuedItems, batch.Size);
        Volatile.Write(ref _forming, 0);
        Interlocked.Increment(ref _queuedBatches);
        if (Consumer.IsHalted || !_ready.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _queuedItems, -batch.Size);
            Interlocked.Decrement(ref _queuedBatches);
            Consumer.Lose(batch, Consumer.Lifecycle.HaltReason);
            return;
        }

        while (Volatile.Read(ref _queuedBatches) >= _maxQueuedBatches && !Consumer.IsHalted)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _room, room);
            if (Volatile.Read(ref _queuedBatches) < _maxQueuedBatches || Consumer.IsHalted)
            {
                break;
            }

            await room.Task.ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask HandleBatchAsync(ConsumerWorker<T> worker, Batch<T> batch)
    {
        var consumer = Consumer;
        batch.ViewAll();
        if (!worker.Begin(batch))
        {
            LoseAtHalt(worker, batch, started: batch.Failure is not null);
            return;
        }

        var error = consumer.EndAttempt(worker, await AttemptAsync(worker, batch).ConfigureAwait(false));
        if (!worker.End())
        {
            // A halt claimed the batch while the handler ran and lost its items; the handler may still
            // hold the list, so the batch is not pooled again.
            return;
        }

        if (error is null)
        {
            consumer.CountDelivered(worker, batch, 0, batch.Size);
            Return(batch);
            return;
        }

        var failure = batch.Failure ??= new FailureRecord(consumer.Time.GetUtcNow());
        failure.Attempts++;
        if (consumer.IsHalted)
        {
            // Stopped while it ran: a failed attempt, never retried.
            consumer.Runner.RecordFailure(typeof(T), null, error, failure.Attempts, mayRetry: false);
            consumer.Lose(batch, DropReason.Abandoned);
            return;
        }

        if (consumer.Runner.RecordFailure(typeof(T), null, error, failure.Attempts, _mayRetry) is { } delay)
        {
            if (delay <= TimeSpan.Zero)
            {
                Reinject(default, batch);
            }
            else
            {
                consumer.ScheduleRetry(default, batch, delay, _due ??= Reinject);
            }

            return;
        }

        if (!_mayRetry || batch.Size == 1)
        {
            // At-most-once does not try again; a batch of one has nothing to isolate.
            for (var i = 0; i < batch.Size; i++)
            {
                await consumer.DeadLetterAsync(batch.ItemAt(i), error, failure.Attempts, failure.FirstFailedAt).ConfigureAwait(false);
            }

            Return(batch);
            return;
        }

        await IsolateAsync(worker, batch, failure).ConfigureAwait(false);
    }

    /// <summary>The batch failed every attempt: tries each item alone, so only the ones that fail alone are given up.</summary>
    private async ValueTask IsolateAsync(ConsumerWorker<T> worker, Batch<T> batch, FailureRecord failure)
    {
        var consumer = Consumer;
        Log.BatchIsolating(consumer.Environment.Logger, consumer.Name, batch.Size, typeof(T).Name, failure.Attempts);
        for (var i = 0; i < batch.Size; i++)
        {
            batch.ViewOne(i);
            if (!worker.Begin(batch))
            {
                LoseAtHalt(worker, batch);
                return;
            }

            var error = consumer.EndAttempt(worker, await AttemptAsync(worker, batch).ConfigureAwait(false));
            if (!worker.End())
            {
                return;
            }

            if (error is null)
            {
                consumer.CountDelivered(worker, batch, i, 1);
                continue;
            }

            var attempts = failure.Attempts + 1;
            consumer.Runner.RecordFailure(typeof(T), batch.ItemAt(i).Context, error, attempts, mayRetry: false);
            if (consumer.IsHalted)
            {
                consumer.Lose(batch, DropReason.Abandoned);
                return;
            }

            await consumer.DeadLetterAsync(batch.ItemAt(i), error, attempts, failure.FirstFailedAt).ConfigureAwait(false);
        }

        Return(batch);
    }

    /// <summary>The slot saw the halt as it began: the batch's unfinished items are lost, by whoever owns them.</summary>
    private void LoseAtHalt(ConsumerWorker<T> worker, Batch<T> batch, bool started = true)
    {
        if (worker.End())
        {
            Consumer.Lose(batch, Consumer.LostAtHalt(started));
        }
    }

    /// <summary>Calls the batch handler once with the batch's current view; returns its failure, if any.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Exception?> AttemptAsync(ConsumerWorker<T> worker, Batch<T> batch)
    {
        try
        {
            var telemetry = Consumer.Runner.Telemetry;
            if (telemetry.IsObserved)
            {
                var attempt = (batch.Failure?.Attempts ?? 0) + 1;
                await telemetry.InvokeAsync<IReadOnlyList<T>>(_invoker, batch, null, attempt, batch.Count, Consumer.AttemptToken(worker)).ConfigureAwait(false);
            }
            else
            {
                await _invoker.InvokeAsync(batch, null, Consumer.AttemptToken(worker)).ConfigureAwait(false);
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
