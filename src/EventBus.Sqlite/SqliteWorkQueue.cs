using EventBus.Delivery;

namespace EventBus.Sqlite;

/// <summary>Creates durable work queues without a dependency-injection container.</summary>
/// <remarks>
/// <para>Each method opens (or creates) the database file, hands the items that were in flight at the last stop out
/// again, and starts the workers. The handler kinds, and every setting of <see cref="WorkQueueOptions{T}"/>, mean what
/// they mean for <see cref="WorkQueue.Create{T}(Func{T, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/>, except
/// that the buffer is filled from the file and so never drops: <see cref="WorkQueueOptions{T}.FullMode"/> must stay
/// <see cref="BufferFullMode.Wait"/>, <see cref="WorkQueueOptions{T}.Guarantee"/> at-least-once, partitioning is given
/// by <see cref="SqliteQueueOptions{T}.PartitionBy"/> (a stored key), dead letters go to the file's dead-letter table
/// rather than to <see cref="EventBusOptions.DeadLetterSink"/>, and <see cref="WorkQueueOptions{T}.OverflowCapacity"/>
/// and the batching settings are not used.</para>
/// <para>The exceptions are the same for every overload: <see cref="ArgumentNullException"/> for a null handler or
/// persistence; <see cref="ArgumentException"/> for an unset path or an unsupported setting; and, from opening the
/// file, <see cref="DirectoryNotFoundException"/> (its directory is missing), <see cref="UnauthorizedAccessException"/>
/// (read-only), <see cref="IOException"/> (another process owns it), <see cref="InvalidDataException"/> (not a SQLite
/// database) and <see cref="InvalidOperationException"/> (a newer schema; or the queue is already open, or the file is
/// open in this process with other settings), each with a message that names the file and the problem.</para>
/// </remarks>
public static class SqliteWorkQueue
{
    /// <summary>Creates a durable work queue with a synchronous handler.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; throwing fails the attempt.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException">See the class remarks.</exception>
    /// <exception cref="IOException">See the class remarks.</exception>
    public static SqliteWorkQueue<T> Create<T>(Action<T> handler, SqliteQueueOptions<T> persistence, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new SqliteWorkQueue<T>(
            outcomes => HandlerInvoker<T>.Create((item, context) =>
            {
                outcomes.BeginAttempt(context);
                handler(item);
            }),
            persistence,
            options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a durable work queue with a synchronous handler that also receives the item's context.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item. The context's <see cref="EventContext.Id"/> is the item's message id (the
    /// same on every attempt, after a restart and after a re-drive), <see cref="EventContext.Timestamp"/> its enqueue time,
    /// <see cref="EventContext.DeliveryAttempt"/> the attempt's number across restarts, and
    /// <see cref="EventContext.Redelivered"/> says that a handler may have seen it before a crash. Throwing fails the attempt.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException">See the class remarks.</exception>
    /// <exception cref="IOException">See the class remarks.</exception>
    public static SqliteWorkQueue<T> Create<T>(Action<T, EventContext> handler, SqliteQueueOptions<T> persistence, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new SqliteWorkQueue<T>(
            outcomes => HandlerInvoker<T>.Create((item, context) => handler(item, outcomes.BeginAttempt(context))),
            persistence,
            options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a durable work queue with an asynchronous handler.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; its token fires at the attempt's timeout or at a stop's deadline.
    /// Throwing (or a faulted task) fails the attempt.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException">See the class remarks.</exception>
    /// <exception cref="IOException">See the class remarks.</exception>
    public static SqliteWorkQueue<T> Create<T>(Func<T, CancellationToken, ValueTask> handler, SqliteQueueOptions<T> persistence, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new SqliteWorkQueue<T>(
            outcomes => HandlerInvoker<T>.Create((item, context, cancellationToken) =>
            {
                outcomes.BeginAttempt(context);
                return handler(item, cancellationToken);
            }),
            persistence,
            options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a durable work queue with an asynchronous handler that also receives the item's context.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; see <see cref="Create{T}(Action{T, EventContext}, SqliteQueueOptions{T}, WorkQueueOptions{T}?)"/>
    /// for the context and <see cref="Create{T}(Func{T, CancellationToken, ValueTask}, SqliteQueueOptions{T}, WorkQueueOptions{T}?)"/> for the token.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException">See the class remarks.</exception>
    /// <exception cref="IOException">See the class remarks.</exception>
    public static SqliteWorkQueue<T> Create<T>(
        Func<T, EventContext, CancellationToken, ValueTask> handler, SqliteQueueOptions<T> persistence, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new SqliteWorkQueue<T>(
            outcomes => HandlerInvoker<T>.Create((item, context, cancellationToken) => handler(item, outcomes.BeginAttempt(context), cancellationToken)),
            persistence,
            options ?? new WorkQueueOptions<T>());
    }
}
