using System.Globalization;
using EventBus.Sqlite.Storage.Operations;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// One queue's rows in a <see cref="SqliteQueueDatabase"/>: the producers' side (<see cref="EnqueueAsync(T, string?, CancellationToken)"/>, and
/// <see cref="Enqueue"/> inside the caller's own transaction), the consumer engine's side
/// (<see cref="IDurableItemStore{T}"/>), and dead-letter inspection and re-drive.
/// </summary>
internal sealed class SqliteItemStore<T> : ItemStoreBase, IDurableItemStore<T>
{
    /// <summary>The longest exception message stored with a failure or dead letter; longer ones are cut.</summary>
    internal const int MaxStoredMessageLength = 4000;

    internal SqliteItemStore(SqliteQueueDatabase database, string queueName, DurableItemFormat<T> format, RecoveredRows recovered)
        : base(database, queueName, recovered)
    {
        Format = format;
    }

    internal DurableItemFormat<T> Format { get; }

    /// <summary>Stores an item; completes after the commit that contains it, shared with the enqueues that arrived
    /// meanwhile (group commit). From then on the item survives a crash (and, under
    /// <see cref="SqliteSynchronousMode.Full"/>, a power loss).</summary>
    /// <param name="item">The item, serialized here on the caller's thread.</param>
    /// <param name="partitionKey">Items with the same key are handed out one at a time, in enqueue order; null for none.</param>
    /// <param name="cancellationToken">Observed before the item is handed to the writer; once handed over it is
    /// committed (or fails) whatever the token does, so the caller always knows.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null (thrown).</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first; nothing was stored.</exception>
    /// <exception cref="TimeoutException">The database stayed busy for longer than the busy timeout; nothing was stored.</exception>
    /// <remarks>An item that cannot be serialized faults the task with the serializer's exception
    /// (<see cref="System.Text.Json.JsonException"/>, <see cref="NotSupportedException"/> or <see cref="ArgumentException"/>).</remarks>
    internal ValueTask EnqueueAsync(T item, string? partitionKey = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(item, partitionKey, messageId: null, cancellationToken);

    /// <summary>Enqueues as <see cref="EnqueueAsync(T, string?, CancellationToken)"/> does, under the message id
    /// <paramref name="messageId"/> (a new time-ordered one when null): an enqueue whose context was made first.</summary>
    internal ValueTask EnqueueAsync(T item, string? partitionKey, Guid? messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        byte[] payload;
        try
        {
            payload = Format.Write(item);
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }

        var now = Database.TimeProvider.GetUtcNow();
        var id = messageId?.ToString("D", CultureInfo.InvariantCulture) ?? NewMessageId(now);
        var operation = new EnqueueOperation(this, id, partitionKey, Format.SchemaVersion, payload, Timestamps.ToStored(now));
        return new ValueTask(Run(operation).AsTask());
    }

    /// <summary>The transactional outbox: writes an item inside the caller's own transaction on the same database
    /// file. Nothing is visible to claims until the caller commits; a rollback leaves no trace. Committed outbox
    /// rows are found by the next claim, at the latest after <see cref="SqliteStorageOptions.PollInterval"/>.</summary>
    /// <param name="item">The item.</param>
    /// <param name="transaction">An open transaction on a connection to this database's file.</param>
    /// <param name="partitionKey">The item's partition key, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> or <paramref name="transaction"/> is null.</exception>
    /// <exception cref="ArgumentException">The transaction has already completed, or belongs to a connection to
    /// another database file.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed.</exception>
    /// <exception cref="SqliteException">The insert failed on the caller's connection (the transaction is the
    /// caller's to roll back).</exception>
    internal void Enqueue(T item, SqliteTransaction transaction, string? partitionKey = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        Database.ThrowIfDisposed();
        var source = connection.DataSource;
        if (string.IsNullOrEmpty(source) || !string.Equals(Path.GetFullPath(source), Database.Path, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The transaction belongs to a connection to '{source}', not to the queue database '{Database.Path}'. " +
                "The outbox writes the item in the caller's transaction, so both must use the same file.",
                nameof(transaction));
        }

        var payload = Format.Write(item);
        var now = Database.TimeProvider.GetUtcNow();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = StoreCommands.InsertSql;
        insert.Parameters.AddWithValue("$queue", QueueName);
        insert.Parameters.AddWithValue("$message_id", NewMessageId(now));
        insert.Parameters.AddWithValue("$partition_key", (object?)partitionKey ?? DBNull.Value);
        insert.Parameters.AddWithValue("$schema_version", Format.SchemaVersion);
        insert.Parameters.AddWithValue("$payload", payload);
        insert.Parameters.AddWithValue("$enqueued_at", Timestamps.ToStored(now));
        insert.ExecuteNonQuery();
        Counted(ref Counters.OutboxEnqueued);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DurableItem<T>>> ClaimAsync(int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, SqliteStorageOptions.MaxBatchSizeLimit);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IReadOnlyList<DurableItem<T>>>(cancellationToken);
        }

        var operation = new ClaimOperation<T>(this, maxCount);
        return Run(operation);
    }

    /// <inheritdoc />
    public ValueTask AcknowledgeAsync(DurableItem<T> item)
    {
        BeginOutcome(item);
        return Submit(new AcknowledgeOperation<T>(this, item), item);
    }

    /// <inheritdoc />
    public ValueTask RecordFailureAsync(DurableItem<T> item, Exception error, DateTimeOffset retryAt, DurableRetryPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!Enum.IsDefined(placement))
        {
            throw new ArgumentOutOfRangeException(nameof(placement), placement, "Not a defined DurableRetryPlacement.");
        }

        BeginOutcome(item);
        return Submit(new RecordFailureOperation<T>(this, item, Timestamps.ToStored(retryAt), TypeName(error), Message(error), placement), item);
    }

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(DurableItem<T> item, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        BeginOutcome(item);
        return Submit(new DeadLetterOperation<T>(this, item, TypeName(error), Message(error)), item);
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(DurableItem<T> item)
    {
        BeginOutcome(item);
        return Submit(new ReleaseOperation<T>(this, item), item);
    }

    /// <summary>Counts this queue's rows by state.</summary>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    internal ValueTask<DurableQueueCounts> CountAsync()
    {
        var operation = new CountOperation(this);
        return Run(operation);
    }

    /// <summary>Reads up to <paramref name="maxCount"/> of this queue's dead letters, oldest first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    internal ValueTask<IReadOnlyList<DurableDeadLetter>> ReadDeadLettersAsync(int maxCount = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var operation = new ReadDeadLettersOperation(this, maxCount);
        return Run(operation);
    }

    /// <summary>Moves dead letters back into the queue (as new rows at its end, due now, attempts 0); all of this
    /// queue's when <paramref name="deadLetterIds"/> is null. Ids of other queues, or already re-driven, are skipped.</summary>
    /// <returns>How many rows were moved.</returns>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    internal ValueTask<int> RedriveDeadLettersAsync(IReadOnlyCollection<long>? deadLetterIds = null)
    {
        var operation = new RedriveOperation(this, deadLetterIds is null ? null : [.. deadLetterIds]);
        return Run(operation);
    }

    /// <summary>Builds the leased item for a claimed row (writer thread; published when the claim commits).</summary>
    /// <param name="id">The row id.</param>
    /// <param name="item">The payload, read.</param>
    /// <param name="columns">id, message_id, partition_key, schema_version, payload, enqueued_at, attempts, first_failed_at, redeliveries.</param>
    internal DurableItem<T> CreateItem(long id, T item, object?[] columns) => new(
        this,
        id,
        Guid.Parse((string)columns[1]!, CultureInfo.InvariantCulture),
        item,
        (string?)columns[2],
        Timestamps.FromStored((long)columns[5]!),
        checked((int)(long)columns[6]!),
        columns[7] is long failed ? Timestamps.FromStored(failed) : null,
        checked((int)(long)columns[8]!),
        checked((int)(long)columns[3]!));

    private static string NewMessageId(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("D", CultureInfo.InvariantCulture);

    private static string TypeName(Exception error) => error.GetType().FullName ?? error.GetType().Name;

    private static string Message(Exception error) =>
        error.Message.Length <= MaxStoredMessageLength ? error.Message : error.Message[..MaxStoredMessageLength];

    /// <summary>Refuses, at the call, an outcome for an item this store did not hand out or whose lease is not free.</summary>
    private void BeginOutcome(DurableItem<T> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!ReferenceEquals(item.Owner, this))
        {
            throw new ArgumentException(
                $"Item {item.Id} was handed out by another store, not by queue '{QueueName}' of this database; report its outcome to the store that claimed it.",
                nameof(item));
        }

        var state = Interlocked.CompareExchange(ref item.State, DurableItem<T>.Settling, DurableItem<T>.Leased);
        if (state != DurableItem<T>.Leased)
        {
            throw new InvalidOperationException(state == DurableItem<T>.Settling
                ? $"Another outcome for item {item.Id} of queue '{QueueName}' is being written; report one outcome at a time."
                : $"The lease of item {item.Id} of queue '{QueueName}' has already ended (acknowledged, dead-lettered, released or returned to the store).");
        }
    }

    /// <summary>Hands an operation to the writer; its task, or a faulted one when the database is closed.</summary>
    private ValueTask<TResult> Run<TResult>(StoreOperation<TResult> operation) =>
        Database.TrySubmit(operation, out var refused)
            ? new ValueTask<TResult>(operation.Task)
            : ValueTask.FromException<TResult>(refused);

    private ValueTask Submit(StoreOperation<bool> operation, DurableItem<T> item)
    {
        if (Database.TrySubmit(operation, out var refused))
        {
            return new ValueTask(operation.Task);
        }

        Volatile.Write(ref item.State, DurableItem<T>.Leased);
        return ValueTask.FromException(refused);
    }
}
