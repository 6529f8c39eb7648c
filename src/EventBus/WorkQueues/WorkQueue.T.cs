using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EventBus.Consumers;
using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;
using EventBus.WorkQueues;

namespace EventBus;

/// <summary>
/// A work queue with competing consumers: any number of producers enqueue items, and each item is
/// handled by exactly one of the queue's workers. Failed items are retried (without holding up the
/// others) and then dead-lettered; nothing accepted is lost without trace.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// <para>Create one with <see cref="WorkQueue.Create{T}(Func{T, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/>
/// (or <see cref="WorkQueue.CreateBatched{T}(Func{IReadOnlyList{T}, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/>);
/// give producers the <see cref="IWorkQueue{T}"/> side. Items wait in one bounded buffer; workers take
/// them in FIFO order. With <see cref="WorkQueueOptions{T}.PartitionBy{TKey}"/>, items of one key are
/// handled one at a time in enqueue order.</para>
/// <para>Shut down with <see cref="CompleteAsync(CancellationToken)"/> or <see cref="DisposeAsync"/>: intake
/// stops, and every accepted item (buffered, waiting for a retry, or running) is finished before the
/// deadline; what is left at the deadline is handed back in the result. <see cref="Dispose"/> stops at
/// once and hands everything back. See <c>docs/work-queue.md</c> for the guarantees.</para>
/// <para>The queue is a face over the library's one consumer engine (the same one queued subscriptions
/// use), with retries scheduled on timers so a backoff never holds a worker.</para>
/// </remarks>
public sealed partial class WorkQueue<T> : IWorkQueue<T>, IAsyncDisposable, IDisposable, ITrackedQueue
{
    private readonly Consumer<T> _consumer;
    private readonly PartitionKeySelector<T>? _partitioner;
    private readonly bool _wantsContext;
    private readonly TimeSpan _drainTimeout;
    private readonly AbandonedItems _abandoned = new();
    private readonly string _publishSpanName;
    private readonly QueueReport<T> _report;
    private volatile bool _disposed;

    internal WorkQueue(HandlerInvoker<T>? itemHandler, HandlerInvoker<IReadOnlyList<T>>? batchHandler, WorkQueueOptions<T> options)
    {
        Name = options.Name ?? typeof(T).Name;
        _publishSpanName = $"{Conventions.Publish} {Name}";
        Capacity = options.Capacity;
        WorkerCount = options.WorkerCount;
        Guarantee = options.Guarantee;
        Environment = DeliveryEnvironment.From(options.Shared, ObserveDepth, Conventions.ConsumerGroupName, Name);
        _drainTimeout = options.Shared.DrainTimeout;
        _partitioner = options.Partitioner;
        _wantsContext = itemHandler?.WantsContext ?? false;

        WorkDispatch<T>? dispatch = batchHandler is not null
            ? new BatchDispatch<T>(batchHandler, options.MaxBatchSize, options.MaxBatchDelay, options.WorkerCount, Guarantee == DeliveryGuarantee.AtLeastOnce)
            : _partitioner is not null ? new PartitionedDispatch<T>(options.Capacity) : null;
        var settings = new ConsumerSettings
        {
            Name = Name,
            Capacity = options.Capacity,
            FullMode = options.FullMode,
            OverflowCapacity = options.OverflowCapacity,
            WorkerCount = options.WorkerCount,
            RetryPolicy = Guarantee == DeliveryGuarantee.AtMostOnce ? RetryPolicy.None : options.RetryPolicy,
            Retries = RetryPlacement.Scheduled,
            DeadLetterFailedItems = options.DeadLetterFailedItems,
            AttemptTimeout = options.Timeout,
            StartAtOnce = true,
        };
        _consumer = new Consumer<T>(settings, Environment, itemHandler, observer: _abandoned, dispatch: dispatch);
        _report = new QueueReport<T>(_consumer, Name, Environment.Logger, _abandoned.ToArray);
        Log.WorkQueueStarted(Environment.Logger, Name, WorkerCount, Capacity, dispatch?.ModeName ?? "direct", Guarantee);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>How many items the queue's buffer holds.</summary>
    public int Capacity { get; }

    /// <summary>How many workers handle items.</summary>
    public int WorkerCount { get; }

    /// <summary>Whether failed items are retried.</summary>
    public DeliveryGuarantee Guarantee { get; }

    /// <inheritdoc />
    public int Count => _consumer.Pending;

    /// <inheritdoc />
    public int InFlight => _consumer.InFlight;

    /// <summary>The dead-letter sink when it is a <see cref="DeadLetterQueue"/> (the default): read, observe
    /// (<see cref="DeadLetterQueue.Added"/>) or re-drive its letters with <see cref="RedriveDeadLettersAsync"/>.</summary>
    /// <value><see langword="null"/> when <see cref="EventBusOptions.DeadLetterSink"/> is a sink of your own.</value>
    public DeadLetterQueue? DeadLetters => Environment.DeadLetterSink as DeadLetterQueue;

    internal DeliveryEnvironment Environment { get; }

    /// <inheritdoc />
    DeliveryEnvironment ITrackedQueue.Environment => Environment;

    /// <summary>The engine under this face, for tests.</summary>
    internal Consumer<T> Consumer => _consumer;

    /// <inheritdoc />
    public ValueTask EnqueueAsync(T item, CancellationToken cancellationToken = default)
    {
        if (item is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(item));
        }

        if (Environment.Telemetry.PublishObserved)
        {
            return EnqueueObservedAsync(item, cancellationToken);
        }

        return EnqueueCoreAsync(CreateWorkItem(item, context: null), cancellationToken);
    }

    /// <inheritdoc />
    public bool TryEnqueue(T item)
    {
        if (item is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(item));
        }

        if (!Environment.Telemetry.PublishObserved)
        {
            return TryEnqueueCore(CreateWorkItem(item, context: null));
        }

        using var activity = MessagingTelemetry.StartPublish(_publishSpanName, Name);
        var accepted = TryEnqueueCore(CreateWorkItem(item, NewContext(item, activity)));
        Environment.Telemetry.RecordSent(Name, accepted ? null : new EventBusFullException([Name]));
        return accepted;
    }

    /// <summary>A snapshot of the queue's counters.</summary>
    /// <returns>The counters since the queue was created.</returns>
    public WorkQueueStatistics GetStatistics() => _report.Statistics();

    /// <summary>
    /// Stops intake and finishes every accepted item: buffered ones, ones waiting for a retry (their
    /// backoff still runs on the clock) and running ones. Idempotent: later calls return the first
    /// call's result.
    /// </summary>
    /// <param name="cancellationToken">The deadline. When it fires, handlers' tokens are cancelled, and every
    /// item not finished is abandoned: counted, reported through <see cref="EventBusOptions.OnDropped"/> with
    /// <see cref="DropReason.Abandoned"/>, and handed back in <see cref="WorkQueueDrainResult{T}.AbandonedItems"/>.
    /// The drain then returns without waiting for handlers that ignore cancellation.</param>
    /// <returns>What was processed, dead-lettered, dropped and abandoned. Never throws on the deadline.</returns>
    /// <remarks>
    /// <para>Stop requests combine, and the strictest wins: a <see cref="Dispose"/> halts a drain under way
    /// at once, and a second <c>CompleteAsync</c> (or <see cref="DisposeAsync"/>) with an earlier deadline
    /// bounds it. Every caller is answered within its own deadline.</para>
    /// <para>Producers already waiting for space when intake stops may still get their item in (it is
    /// then processed) or get <see cref="ObjectDisposedException"/>; later enqueues always get it.</para>
    /// <para>Awaited from inside one of this queue's handlers, it cannot wait for that handler: it returns
    /// once nothing is left that another worker could finish (at once with one worker), with the counts at
    /// that moment; the queue finishes the rest after the handler returns.</para>
    /// </remarks>
    public ValueTask<WorkQueueDrainResult<T>> CompleteAsync(CancellationToken cancellationToken = default)
    {
        var stopped = _consumer.Lifecycle.RequestDrain(cancellationToken);
        return _report.For(stopped);
    }

    /// <summary>Drains the queue as <see cref="CompleteAsync"/> does, with
    /// <see cref="EventBusOptions.DrainTimeout"/> (from <see cref="WorkQueueOptions{T}.Shared"/>) as the deadline.</summary>
    /// <returns>A task that completes when the queue has drained or the timeout passed.</returns>
    public async ValueTask DisposeAsync()
    {
        using (var deadline = Environment.DrainDeadline(_drainTimeout))
        {
            await CompleteAsync(deadline.Token).ConfigureAwait(false);
        }

        _disposed = true;
        Environment.Telemetry.Dispose();
    }

    /// <summary>
    /// Stops at once without draining: cancels running handlers' tokens and abandons every item not yet
    /// finished (each counted, reported through <see cref="EventBusOptions.OnDropped"/> and listed in the
    /// result of <see cref="CompleteAsync"/>). Prefer <see cref="DisposeAsync"/>, which drains first.
    /// It returns once no handler call of the queue runs (but the caller's own, from inside a handler), waiting
    /// at most <see cref="EventBusOptions.DrainTimeout"/> on the real clock for handlers that ignore their token.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _consumer.Lifecycle.RequestHalt(DropReason.Abandoned);
        _consumer.WaitForRunningHandlers(Consumer<T>.DeadlineIn(_drainTimeout));
        Environment.Telemetry.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (work queue of {typeof(T).Name})";

    /// <summary>An enqueue someone listens to: inside a producer span, with a context that carries it, counted.</summary>
    private ValueTask EnqueueObservedAsync(T item, CancellationToken cancellationToken) =>
        Environment.Telemetry.SendObservedAsync(
            _publishSpanName,
            Name,
            (Queue: this, Item: item, Token: cancellationToken),
            static (state, activity) => state.Queue.EnqueueCoreAsync(state.Queue.CreateWorkItem(state.Item, state.Queue.NewContext(state.Item, activity)), state.Token));

    private EventContext NewContext(T item, System.Diagnostics.Activity? activity) =>
        Environment.CreatePublishContext(item, item!.GetType(), topic: null, options: null, activity, Name);

    private bool TryEnqueueCore(in WorkItem<T> work)
    {
        // An offer that may not wait completes synchronously.
        var tracker = work.Context?.Tracker;
        tracker?.Expect(1);
        var written = _consumer.WriteAsync(work, WriteMode.TryOnly, CancellationToken.None);
        var accepted = written.IsCompleted && written.Result == WriteResult.Accepted;
        if (tracker is not null)
        {
            tracker.Release(notReached: accepted ? 0 : 1);
        }

        return accepted;
    }

    /// <summary>Offers an item; operational failures (closed, refused) fault the returned task, as
    /// <c>ChannelWriter.WriteAsync</c> does.</summary>
    private ValueTask EnqueueCoreAsync(in WorkItem<T> work, CancellationToken cancellationToken) =>
        work.Context?.Tracker is { } tracker ? EnqueueTrackedAsync(work, tracker, cancellationToken) : OfferAsync(work, cancellationToken);

    /// <summary>An enqueue whose context tells a tracker (or a settlement) how it ends: the queue is one more consumer
    /// to wait for, settled here when the offer fails.</summary>
    private async ValueTask EnqueueTrackedAsync(WorkItem<T> work, PubSub.PublishTracker tracker, CancellationToken cancellationToken)
    {
        tracker.Expect(1);
        var accepted = false;
        try
        {
            await OfferAsync(work, cancellationToken).ConfigureAwait(false);
            accepted = true;
        }
        finally
        {
            tracker.Release(notReached: accepted ? 0 : 1);
        }
    }

    private ValueTask OfferAsync(in WorkItem<T> work, CancellationToken cancellationToken)
    {
        // From inside a handler an enqueue must not wait for space: the workers it would wait on may include its own.
        var mode = HandlerScope.IsInsideHandler ? WriteMode.NoWait : WriteMode.MayWait;
        var written = _consumer.WriteAsync(work, mode, cancellationToken);
        if (!written.IsCompletedSuccessfully)
        {
            return AwaitWriteAsync(written);
        }

        return Failure(written.Result) is { } failure ? ValueTask.FromException(failure) : default;
    }

    // Pooled: under sustained backpressure every enqueue that waits for room takes it.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteAsync(ValueTask<WriteResult> written)
    {
        if (Failure(await written.ConfigureAwait(false)) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>What an offer's result means to the producer: nothing, or the exception its task carries.</summary>
    private Exception? Failure(WriteResult result) => result switch
    {
        WriteResult.Accepted => null,
        WriteResult.Refused => new EventBusFullException([Name]),
        _ => ThrowHelper.WorkQueueClosed(Name, _disposed),
    };

    private WorkItem<T> CreateWorkItem(T item, EventContext? context)
    {
        if (_wantsContext || Environment.Tracking is not null)
        {
            context ??= Environment.CreatePublishContext(item, item!.GetType(), topic: null, options: null, publish: null, Name);
        }

        return new WorkItem<T>(item, context, _partitioner?.GetPartition(item) ?? 0);
    }

    /// <summary>The depth gauge's callback.</summary>
    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ObserveDepth()
    {
        if (_consumer is null)
        {
            return [];
        }

        return
        [
            new System.Diagnostics.Metrics.Measurement<long>(Count, new System.Diagnostics.TagList
            {
                { Conventions.System, Conventions.SystemValue },
                { Conventions.DestinationName, Name },
                { Conventions.ConsumerGroupName, Name },
            }),
        ];
    }

    /// <summary>Collects what the queue abandoned, to hand it back in the drain result.</summary>
    private sealed class AbandonedItems : ConsumerObserver<T>
    {
        private readonly ConcurrentQueue<T> _items = new();

        internal override void OnLost(in WorkItem<T> item, DropReason reason)
        {
            if (reason == DropReason.Abandoned)
            {
                _items.Enqueue(item.Item);
            }
        }

        internal T[] ToArray() => [.. _items];
    }
}
