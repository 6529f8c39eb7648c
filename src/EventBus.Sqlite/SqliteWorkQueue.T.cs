using EventBus.Consumers;
using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;
using EventBus.Sqlite.Consuming;
using EventBus.Sqlite.Storage;
using EventBus.WorkQueues;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite;

/// <summary>
/// A durable work queue: a <see cref="WorkQueue{T}"/> whose items live in an embedded SQLite file from the moment
/// <see cref="EnqueueAsync(T, CancellationToken)"/> returns until their handler succeeded, across crashes and
/// restarts. Each item is handled by one of the queue's workers; failed items are retried with backoff (the attempt
/// and its due time are stored) and then moved to the file's dead-letter table.
/// </summary>
/// <typeparam name="T">The item type (serialized with the JSON metadata of <see cref="SqliteQueueOptions{T}.TypeInfo"/>).</typeparam>
/// <remarks>
/// <para>Create one with <see cref="SqliteWorkQueue.Create{T}(Func{T, EventContext, CancellationToken, ValueTask}, SqliteQueueOptions{T}, WorkQueueOptions{T}?)"/>
/// (or register it with <c>AddWorkQueue&lt;T, THandler&gt;(persistence, ...)</c>) and give producers its
/// <see cref="IWorkQueue{T}"/> side. It is the same consumer engine as <see cref="WorkQueue{T}"/> (its workers, retry
/// timers, counting and stop requests), fed from the file: a feeder hands the engine the items that are due, oldest
/// first, as its buffer frees, and each outcome the engine decides is written back (delivered: the row is deleted; a
/// retry: the attempt and due time are stored; dead-lettered: the row moves to the dead-letter table).</para>
/// <para><b>At least once across crashes.</b> Items that were in flight when the process died are handed out again at
/// the next start with <see cref="EventContext.Redelivered"/> set; <see cref="EventContext.Id"/> is the item's message
/// id, the same across retries, restarts and re-drives, for idempotent handlers. At most
/// <see cref="WorkQueueOptions{T}.Capacity"/> plus <see cref="WorkQueueOptions{T}.WorkerCount"/> items are leased from the
/// file at once, which bounds the duplicates a crash can cause.</para>
/// <para><b>Stopping.</b> <see cref="CompleteAsync"/>, <see cref="DisposeAsync"/> and <see cref="Dispose"/> mean what
/// they mean for <see cref="WorkQueue{T}"/>, with the same results, and nothing is lost by any of them: intake closes,
/// the workers finish what the engine holds (its buffer, running items, waiting retries), and items still in the file
/// stay there for the next start. An item given up at a deadline or a <see cref="Dispose"/> goes back to the file
/// unflagged when no handler had it, and keeps its lease (redelivered, flagged, at the next start) when one had.</para>
/// <para>See <c>docs/durability.md</c> for the guarantees, what each setting risks, and when to use a broker instead.</para>
/// </remarks>
public sealed partial class SqliteWorkQueue<T> : IWorkQueue<T>, IAsyncDisposable, IDisposable, ITrackedQueue
{
    private readonly DatabaseLease _database;
    private readonly SqliteItemStore<T> _store;
    private readonly Consumer<T> _consumer;
    private readonly DurableOutcomes<T> _outcomes;
    private readonly Func<T, string?>? _partitionKey;
    private readonly TimeSpan _drainTimeout;
    private readonly string _publishSpanName;
    private readonly Lock _gate = new();
    private readonly QueueReport<T> _report;
    private Task? _closing;
    private int _closed;
    private volatile bool _disposed;

    internal SqliteWorkQueue(Func<DurableOutcomes<T>, HandlerInvoker<T>> handler, SqliteQueueOptions<T> persistence, WorkQueueOptions<T> options)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(options);
        CheckSupported(options);
        Name = options.Name ?? typeof(T).Name;
        _publishSpanName = $"{Conventions.Publish} {Name}";
        Capacity = options.Capacity;
        WorkerCount = options.WorkerCount;
        _drainTimeout = options.Shared.DrainTimeout;
        _partitionKey = persistence.PartitionKey;
        _leaseLimit = options.Capacity + options.WorkerCount;
        _claimLimit = Math.Min(_leaseLimit, persistence.Storage.MaxBatchSize);
        Environment = DeliveryEnvironment.From(options.Shared, ObserveDepth, Conventions.ConsumerGroupName, Name);

        _database = DatabaseLease.Acquire(persistence.Storage, options.Shared.TimeProvider);
        try
        {
            _store = _database.Database.OpenQueue(Name, persistence.CreateFormat());
        }
        catch
        {
            _database.Release();
            throw;
        }

        _outcomes = new DurableOutcomes<T>(_store, Environment.Time, Environment.Logger, _trackedEnqueues);
        var settings = new ConsumerSettings
        {
            Name = Name,
            Capacity = options.Capacity,
            FullMode = BufferFullMode.Wait,
            OverflowCapacity = 0,
            WorkerCount = options.WorkerCount,
            RetryPolicy = options.RetryPolicy,
            Retries = RetryPlacement.Scheduled,
            DeadLetterFailedItems = options.DeadLetterFailedItems,
            AttemptTimeout = options.Timeout,
            DeadLetterSink = _outcomes,
            StartAtOnce = true,
        };
        _consumer = new Consumer<T>(settings, Environment, handler(_outcomes), observer: _outcomes);
        _report = new QueueReport<T>(_consumer, Name, Environment.Logger, () => _outcomes.Abandoned);
        Log.WorkQueueStarted(Environment.Logger, Name, WorkerCount, Capacity, "durable", DeliveryGuarantee.AtLeastOnce);
        var recovered = _store.Recovered;
        if (recovered.InFlight > 0)
        {
            SqliteLog.Opened(Environment.Logger, Name, _database.Database.Path, recovered.InFlight, recovered.Redelivered);
        }

        _feeder = HandlerScope.StartLoop(static queue => queue.FeedAsync(), this);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>How many items the engine's buffer holds: the items taken from the file and waiting for a worker.</summary>
    public int Capacity { get; }

    /// <summary>How many workers handle items.</summary>
    public int WorkerCount { get; }

    /// <summary>The database file's full path.</summary>
    public string DatabasePath => _database.Database.Path;

    /// <summary>Items taken from the file and not being handled: in the buffer or waiting for a retry. Items still in the
    /// file are not counted. A snapshot for monitoring.</summary>
    public int Count => _consumer.Pending;

    /// <inheritdoc />
    public int InFlight => _consumer.InFlight;

    internal DeliveryEnvironment Environment { get; }

    /// <summary>The engine under this face, for tests.</summary>
    internal Consumer<T> Consumer => _consumer;

    /// <summary>The store under this face, for tests and the crash peer.</summary>
    internal SqliteItemStore<T> Store => _store;

    /// <summary>
    /// Stores an item: the returned task completes after the commit that contains it (shared with the enqueues that
    /// arrived meanwhile: group commit). From then on the item survives a crash of the process (and, under
    /// <see cref="SqliteSynchronousMode.Full"/>, of the machine) until its handler succeeded.
    /// </summary>
    /// <param name="item">The item, serialized here, on the caller's thread.</param>
    /// <param name="cancellationToken">Observed before the item is handed to the database's writer; once handed over
    /// it is committed (or fails) whatever the token does, so the caller always knows which.</param>
    /// <returns>A task that completes when the item is on disk. It never waits for buffer space: the file is the
    /// buffer, so an enqueue from inside a handler never waits on a worker either.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first; nothing was stored (the task is cancelled).</exception>
    /// <exception cref="TimeoutException">The database stayed locked by another connection for longer than
    /// <see cref="SqliteStorageOptions.BusyTimeout"/>; nothing was stored (the task faults).</exception>
    /// <remarks>An item that cannot be serialized faults the task with the serializer's exception; an exception of the
    /// partition key selector is thrown at the call. An enqueue racing with a stop is either refused or stored; a stored
    /// one is handled now or at the next start.</remarks>
    public ValueTask EnqueueAsync(T item, CancellationToken cancellationToken = default)
    {
        if (item is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(item));
        }

        if (!_consumer.Lifecycle.IsAccepting)
        {
            return ValueTask.FromException(ThrowHelper.WorkQueueClosed(Name, _disposed));
        }

        var key = _partitionKey?.Invoke(item);
        return Environment.Telemetry.PublishObserved
            ? EnqueueObservedAsync(item, key, cancellationToken)
            : StoreAsync(item, key, cancellationToken);
    }

    /// <summary>
    /// The transactional outbox: writes the item inside the caller's own transaction, on a connection of the caller's
    /// to this queue's database file, together with the caller's own changes. The item exists only if the caller
    /// commits; a rollback leaves no trace. Workers see it after the commit, at the latest after
    /// <see cref="SqliteStorageOptions.PollInterval"/>.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="transaction">An open transaction on a connection to <see cref="DatabasePath"/>. Keep it short: while
    /// it is open it holds SQLite's one write lock, and the queue's own commits wait for it.</param>
    /// <param name="cancellationToken">Observed before the insert.</param>
    /// <returns>A task that completes when the row is written into the transaction (synchronously).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> or <paramref name="transaction"/> is null.</exception>
    /// <exception cref="ArgumentException">The transaction has already completed, or belongs to a connection to another file.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed (the task faults).</exception>
    /// <exception cref="SqliteException">The insert failed on the caller's connection (the task faults; the transaction
    /// is the caller's to roll back).</exception>
    public ValueTask EnqueueAsync(T item, SqliteTransaction transaction, CancellationToken cancellationToken = default)
    {
        if (item is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(item));
        }

        ArgumentNullException.ThrowIfNull(transaction);
        if (!_consumer.Lifecycle.IsAccepting)
        {
            return ValueTask.FromException(ThrowHelper.WorkQueueClosed(Name, _disposed));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var key = _partitionKey?.Invoke(item);
        try
        {
            _store.Enqueue(item, transaction, key);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            return ValueTask.FromException(e);
        }

        return default;
    }

    /// <summary>Never takes the item: a durable enqueue completes only after its commit, which this method may not
    /// wait for. Use <see cref="EnqueueAsync(T, CancellationToken)"/>.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Always <see langword="false"/>: the caller keeps the item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed.</exception>
    public bool TryEnqueue(T item)
    {
        if (item is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(item));
        }

        if (!_consumer.Lifecycle.IsAccepting)
        {
            throw ThrowHelper.WorkQueueClosed(Name, _disposed);
        }

        return false;
    }

    /// <summary>A snapshot of the queue's counters since it was created (this run of the process).</summary>
    /// <returns>The counters; <see cref="WorkQueueStatistics.Abandoned"/> items stayed in the file.</returns>
    public WorkQueueStatistics GetStatistics() => _report.Statistics();

    /// <summary>
    /// Stops intake and finishes every item the workers hold: buffered ones, ones waiting for a retry (their backoff
    /// still runs on the clock) and running ones. Items still in the file stay there, for the next start. Idempotent:
    /// later calls return the first call's result.
    /// </summary>
    /// <param name="cancellationToken">The deadline. When it fires, handlers' tokens are cancelled and every item not
    /// finished is abandoned: counted, reported through <see cref="EventBusOptions.OnDropped"/> with
    /// <see cref="DropReason.Abandoned"/> and listed in <see cref="WorkQueueDrainResult{T}.AbandonedItems"/>, as for
    /// <see cref="WorkQueue{T}"/>; but nothing is lost: each stays in the file (redelivered, flagged, at the next start
    /// when a handler had it).</param>
    /// <returns>What was processed, dead-lettered, dropped and abandoned. Never throws on the deadline.</returns>
    /// <remarks>Stop requests combine as for <see cref="WorkQueue{T}.CompleteAsync"/>, the strictest winning; awaited
    /// from inside one of this queue's handlers it returns once nothing is left that another worker could finish.
    /// The database stays open until <see cref="DisposeAsync"/> or <see cref="Dispose"/>.</remarks>
    public ValueTask<WorkQueueDrainResult<T>> CompleteAsync(CancellationToken cancellationToken = default)
    {
        var stopped = _consumer.Lifecycle.RequestDrain(cancellationToken);
        StopFeeding();
        return _report.For(stopped);
    }

    /// <summary>Drains the queue as <see cref="CompleteAsync"/> does, with <see cref="EventBusOptions.DrainTimeout"/>
    /// (from <see cref="WorkQueueOptions{T}.Shared"/>) as the deadline, then writes the last outcomes and closes the
    /// database file (the last queue of a shared file closes it), releasing its lock.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        using (var deadline = Environment.DrainDeadline(_drainTimeout))
        {
            await CompleteAsync(deadline.Token).ConfigureAwait(false);
        }

        _disposed = true;
        if (_consumer.CallerSlot() is not null)
        {
            // A handler of this queue cannot wait for itself: the file closes once its item (and what waits behind it)
            // has an outcome.
            _ = CloseWhenStoppedAsync();
        }
        else
        {
            await CloseAsync().ConfigureAwait(false);
        }

        Environment.Telemetry.Dispose();
    }

    /// <summary>
    /// Stops at once without draining, as <see cref="WorkQueue{T}.Dispose"/> does (handlers' tokens are cancelled, every
    /// unfinished item is abandoned and counted), then closes the database file. Nothing is lost: items no handler had go
    /// back to the file, and items a handler had keep their lease, to be redelivered (flagged) at the next start. Waits
    /// for the database's own work (the feeder's last claim, the outcomes' commits), never for a handler.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _consumer.Lifecycle.RequestHalt(DropReason.Abandoned);
        StopFeeding();
        if (_consumer.CallerSlot() is not null)
        {
            // The calling handler keeps its item (the engine's rule); its outcome is written before the file closes.
            _ = CloseWhenStoppedAsync();
        }
        else
        {
            // No wait here is for user code: the feeder ends as soon as its store call returns, store writes are bounded
            // by the busy timeout, and every continuation involved runs on the thread pool.
            CloseAsync().GetAwaiter().GetResult();
        }

        Environment.Telemetry.Dispose();
    }

    /// <summary>Waits for the feeder and the last store writes, then lets go of the file; every caller awaits the one close.</summary>
    private Task CloseAsync()
    {
        lock (_gate)
        {
            return _closing ??= CloseCoreAsync();
        }
    }

    private async Task CloseCoreAsync()
    {
        Volatile.Write(ref _closed, 1);
        await _feeder.ConfigureAwait(false);
        await _outcomes.WhenIdleAsync().ConfigureAwait(false);
        await _database.ReleaseAsync().ConfigureAwait(false);
    }

    private async Task CloseWhenStoppedAsync()
    {
        await _consumer.Lifecycle.Completion.ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (durable work queue of {typeof(T).Name} in {DatabasePath})";

    /// <summary>Refuses, at creation, the settings of an in-memory queue that a durable one cannot honour.</summary>
    private static void CheckSupported(WorkQueueOptions<T> options)
    {
        if (options.FullMode != BufferFullMode.Wait)
        {
            throw new ArgumentException(
                $"A durable work queue cannot use FullMode {options.FullMode}: its items are on disk, and its buffer is filled from the file " +
                "as workers free it, so nothing is ever dropped. Leave FullMode at Wait.",
                nameof(options));
        }

        if (options.Guarantee != DeliveryGuarantee.AtLeastOnce)
        {
            throw new ArgumentException(
                "A durable work queue delivers at least once: an item in flight at a crash is handed out again at the next start. " +
                "For no retries within a run, set RetryPolicy = RetryPolicy.None instead of DeliveryGuarantee.AtMostOnce.",
                nameof(options));
        }

        if (options.IsPartitioned)
        {
            throw new ArgumentException(
                "WorkQueueOptions.PartitionBy keys items by hash code, which differs between processes, so it cannot keep a key's order " +
                "across a restart. Give the durable queue a stored key with SqliteQueueOptions<T>.PartitionBy(item => key) instead.",
                nameof(options));
        }
    }

    /// <summary>An enqueue someone listens to: inside a producer span, counted.</summary>
    private ValueTask EnqueueObservedAsync(T item, string? key, CancellationToken cancellationToken) =>
        Environment.Telemetry.SendObservedAsync(
            _publishSpanName,
            Name,
            (Queue: this, Item: item, Key: key, Token: cancellationToken),
            static (state, _) => state.Queue.StoreAsync(state.Item, state.Key, state.Token));

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
}
