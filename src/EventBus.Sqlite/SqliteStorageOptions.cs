namespace EventBus.Sqlite;

/// <summary>
/// Where and how durable work queues keep their items: one SQLite database file, owned by one process.
/// Every value is checked when it is set.
/// </summary>
/// <remarks>
/// The database runs in WAL mode. The file is owned by one store at a time: a second store, in this
/// process or another, fails to open it (the ownership is an operating-system lock on a side file named
/// <c>{Path}.lock</c>, which the system releases when the owner exits or is killed). To share work between
/// processes, use a broker (the RabbitMQ bridge) instead.
/// </remarks>
public sealed class SqliteStorageOptions
{
    /// <summary>The longest <see cref="PollInterval"/> accepted.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromHours(1);

    /// <summary>The longest <see cref="BusyTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromHours(1);

    /// <summary>The largest <see cref="MaxBatchSize"/> accepted.</summary>
    public const int MaxBatchSizeLimit = 10_000;

    /// <summary>The path of the database file. Its directory must exist; the file is created when missing.</summary>
    /// <value>No default: it must be set before a store opens.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    /// <exception cref="ArgumentException">The value is empty or white space, or names an in-memory
    /// database (<c>:memory:</c>, or a <c>file:</c> URI), which cannot keep items across a crash.</exception>
    public string? Path
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (value.Trim() == ":memory:" || value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"'{value}' is not a file path: a durable queue needs a database file, an in-memory database loses its items with the process.",
                    nameof(value));
            }

            field = value;
        }
    }

    /// <summary>How far a commit goes to the disk before the operations it contains complete.</summary>
    /// <value>The default is <see cref="SqliteSynchronousMode.Full"/>: an acknowledged enqueue survives a power
    /// loss. <see cref="SqliteSynchronousMode.Normal"/> survives a process crash but can lose the last commits
    /// when the operating system crashes or the power fails.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="SqliteSynchronousMode"/>.</exception>
    public SqliteSynchronousMode Synchronous
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined SqliteSynchronousMode.");
            }

            field = value;
        }
    } = SqliteSynchronousMode.Full;

    /// <summary>The most operations (enqueues, acknowledgements, recorded failures, claims) that share one
    /// transaction. Operations that arrive while a commit is under way wait for the next one and share it
    /// (group commit), so one disk flush serves many callers.</summary>
    /// <value>The default is 256.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 or greater than <see cref="MaxBatchSizeLimit"/>.</exception>
    public int MaxBatchSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxBatchSizeLimit);
            field = value;
        }
    } = 256;

    /// <summary>How long the store keeps retrying, with growing pauses, a transaction that finds the database
    /// busy or locked by another connection (one of the application's own outbox transactions, or a tool)
    /// before it fails the operations in it with a <see cref="TimeoutException"/>. Every retry is counted.</summary>
    /// <value>The default is 30 seconds. <see cref="TimeSpan.Zero"/> fails at the first busy answer.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or greater than <see cref="MaxBusyTimeout"/>.</exception>
    public TimeSpan BusyTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxBusyTimeout);
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle queue looks for items that it was not told about: items written through the
    /// transactional outbox (committed on the application's own connection). Items enqueued through the store
    /// itself, and retries that come due, are picked up at once without waiting for the poll.</summary>
    /// <value>The default is 500 milliseconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive, or greater than <see cref="MaxPollInterval"/>.</exception>
    public TimeSpan PollInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxPollInterval);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(500);
}
