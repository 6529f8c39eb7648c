using System.Globalization;
using EventBus.Sqlite.Storage.Operations;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// A queue database file, owned by this process while it is open: its lock, its one connection, its schema,
/// and the single writer thread through which every read and write goes. Queues are opened on it by name
/// (<see cref="OpenQueue{T}"/>); several queues can share one file and its commits.
/// </summary>
/// <remarks>
/// <para>Group commit: callers hand operations to the writer and await them; the writer takes everything that
/// is waiting (up to <see cref="SqliteStorageOptions.MaxBatchSize"/>), runs it in one transaction, commits, and only
/// then completes the callers' tasks. While one commit is flushed to disk, the next batch gathers.</para>
/// <para>A batch that meets a busy or locked database (another connection writing: an outbox transaction, a
/// tool) is rolled back and retried after a pause that doubles from 1 ms up to 100 ms, on the store's
/// <see cref="System.TimeProvider"/>, until <see cref="SqliteStorageOptions.BusyTimeout"/>; operations arriving
/// meanwhile join it. Any other failure is isolated: the batch's operations are retried one per transaction,
/// so only the one at fault fails.</para>
/// </remarks>
internal sealed partial class SqliteQueueDatabase : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan s_maxBusyPause = TimeSpan.FromMilliseconds(100);

    private readonly DatabaseOwnership _ownership;
    private readonly SqliteConnection _connection;
    private readonly StoreCommands _commands;
    private readonly StoreSession _session;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _busyTimeout;
    private readonly IReadOnlyDictionary<string, RecoveredRows> _recovered;
    private readonly Dictionary<string, ItemStoreBase> _queues = new(StringComparer.Ordinal);
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guards _pending, _closing and _writerWaiting; the writer waits on it (Monitor) for work.
    private readonly object _gate = new();
    private readonly Queue<StoreOperation> _pending = new();
    private bool _closing;
    private bool _writerWaiting;

    private long _transactions;
    private long _operations;
    private int _largestBatch;
    private long _busyRetries;
    private long _busyTimeouts;
    private long _failedTransactions;

    private SqliteQueueDatabase(
        string path,
        SqliteStorageOptions options,
        TimeProvider timeProvider,
        DatabaseOwnership ownership,
        SqliteConnection connection,
        IReadOnlyDictionary<string, RecoveredRows> recovered,
        (int From, int To) schema)
    {
        Path = path;
        TimeProvider = timeProvider;
        PollInterval = options.PollInterval;
        Synchronous = options.Synchronous;
        SchemaVersions = schema;
        _maxBatchSize = options.MaxBatchSize;
        _busyTimeout = options.BusyTimeout;
        _ownership = ownership;
        _connection = connection;
        _recovered = recovered;
        _commands = new StoreCommands(connection);
        _session = new StoreSession(_commands);
        _writer = new Thread(static state => ((SqliteQueueDatabase)state!).RunWriter())
        {
            IsBackground = true,
            Name = "EventBus.Sqlite writer",
        };
    }

    /// <summary>The database file's full path.</summary>
    internal string Path { get; }

    internal TimeProvider TimeProvider { get; }

    internal TimeSpan PollInterval { get; }

    internal SqliteSynchronousMode Synchronous { get; }

    /// <summary>The schema version found at open, and the version after the migrations.</summary>
    internal (int From, int To) SchemaVersions { get; }

    /// <summary>The lock file that marks this process as the database's owner.</summary>
    internal string LockPath => _ownership.LockPath;

    /// <summary>Rows waiting for the writer: operations handed over and not yet taken into a batch.</summary>
    internal int PendingOperations
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Opens a queue of this database. A queue can be open once per database at a time.</summary>
    /// <param name="name">The queue's name: its rows carry it, so it must stay the same across restarts.</param>
    /// <param name="format">How its items are written and read.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="format"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A queue of that name is already open on this database.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed.</exception>
    internal SqliteItemStore<T> OpenQueue<T>(string name, DurableItemFormat<T> format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(format);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_queues.ContainsKey(name))
            {
                throw new InvalidOperationException($"Queue '{name}' is already open on the queue database '{Path}'; open each queue once.");
            }

            var store = new SqliteItemStore<T>(this, name, format, _recovered.GetValueOrDefault(name));
            _queues.Add(name, store);
            return store;
        }
    }

    /// <summary>What the writer did since the database was opened.</summary>
    internal DatabaseStatistics GetStatistics() => new(
        Interlocked.Read(ref _transactions),
        Interlocked.Read(ref _operations),
        Volatile.Read(ref _largestBatch),
        Interlocked.Read(ref _busyRetries),
        Interlocked.Read(ref _busyTimeouts),
        Interlocked.Read(ref _failedTransactions));

    /// <summary>The writer connection's journal mode and synchronous level (0 off, 1 normal, 2 full).</summary>
    internal Task<(string JournalMode, int Synchronous)> ReadSettingsAsync()
    {
        var operation = new ReadSettingsOperation();
        return TrySubmit(operation, out var refused) ? operation.Task : Task.FromException<(string, int)>(refused);
    }

    /// <summary>Hands an operation to the writer.</summary>
    /// <returns>False, with the exception to fault the caller's task with, when the database is closing.</returns>
    internal bool TrySubmit(StoreOperation operation, out Exception refused)
    {
        lock (_gate)
        {
            if (_closing)
            {
                refused = new ObjectDisposedException(GetType().FullName, $"The queue database '{Path}' has been disposed.");
                return false;
            }

            _pending.Enqueue(operation);
            if (_writerWaiting)
            {
                Monitor.Pulse(_gate);
            }
        }

        refused = null!;
        return true;
    }

    internal void ThrowIfDisposed()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
        }
    }

    /// <summary>Stops taking operations, lets the writer commit everything already handed over, closes the file
    /// and gives up ownership. Leased items stay leased in the file: the next owner hands them out again as
    /// redelivered, unless they were released first. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await _writerExited.Task.ConfigureAwait(false);
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose()
    {
        Close();
        if (Thread.CurrentThread != _writer)
        {
            _writer.Join();
        }
    }

    private void Close()
    {
        lock (_gate)
        {
            _closing = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void RunWriter()
    {
        var batch = new List<StoreOperation>(_maxBatchSize);
        try
        {
            while (TakeBatch(batch))
            {
                ExecuteBatch(batch);
                batch.Clear();
            }
        }
        finally
        {
            _commands.Dispose();
            _connection.Dispose();
            _ownership.Dispose();
            _writerExited.TrySetResult();
        }
    }

    /// <summary>Waits for work and moves up to a batch of it into <paramref name="batch"/>.</summary>
    /// <returns>False when the database is closing and nothing is left.</returns>
    private bool TakeBatch(List<StoreOperation> batch)
    {
        lock (_gate)
        {
            while (_pending.Count == 0)
            {
                if (_closing)
                {
                    return false;
                }

                _writerWaiting = true;
                Monitor.Wait(_gate);
                _writerWaiting = false;
            }

            MovePending(batch);
            return true;
        }
    }

    private void MovePending(List<StoreOperation> batch)
    {
        while (batch.Count < _maxBatchSize && _pending.TryDequeue(out var operation))
        {
            batch.Add(operation);
        }
    }

    private void ExecuteBatch(List<StoreOperation> batch)
    {
        var started = TimeProvider.GetTimestamp();
        var retries = 0;
        while (true)
        {
            try
            {
                RunTransaction(batch);
            }
            catch (SqliteException e) when (IsBusy(e))
            {
                Reset(batch);
                Interlocked.Increment(ref _busyRetries);
                var remaining = _busyTimeout - TimeProvider.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    Interlocked.Increment(ref _busyTimeouts);
                    var timeout = new TimeoutException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"The queue database '{Path}' stayed busy or locked by another connection for {TimeProvider.GetElapsedTime(started).TotalSeconds:0.###} s ") +
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"({retries + 1} tries; SqliteStorageOptions.BusyTimeout is {_busyTimeout.TotalSeconds:0.###} s). Another connection is holding a ") +
                        "write transaction open: keep outbox transactions short, or raise the busy timeout. Nothing of this operation was written.",
                        e);
                    Fail(batch, timeout);
                    return;
                }

                var pause = TimeSpan.FromMilliseconds(Math.Min(s_maxBusyPause.TotalMilliseconds, Math.Pow(2, Math.Min(retries, 10))));
                if (pause > remaining)
                {
                    pause = remaining;
                }

                retries++;
                Pause(pause);
                lock (_gate)
                {
                    MovePending(batch);
                }

                continue;
            }
            catch (Exception e)
            {
                Reset(batch);
                Interlocked.Increment(ref _failedTransactions);
                if (batch.Count == 1)
                {
                    Fail(batch, e);
                    return;
                }

                // Find the operation at fault: each one alone, in order, in its own transaction.
                foreach (var operation in batch.ToArray())
                {
                    ExecuteBatch([operation]);
                }

                return;
            }

            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _operations, batch.Count);
            if (batch.Count > _largestBatch)
            {
                Volatile.Write(ref _largestBatch, batch.Count);
            }

            foreach (var operation in batch)
            {
                operation.Complete();
            }

            foreach (var operation in batch)
            {
                operation.Wakes?.Wake();
            }

            return;
        }
    }

    private void RunTransaction(List<StoreOperation> batch)
    {
        var writes = false;
        foreach (var operation in batch)
        {
            writes |= operation.Writes;
        }

        _session.Now = Timestamps.ToStored(TimeProvider.GetUtcNow());
        (writes ? _commands.Begin : _commands.BeginDeferred).ExecuteNonQuery();
        try
        {
            foreach (var operation in batch)
            {
                operation.Execute(_session);
            }

            _commands.Commit.ExecuteNonQuery();
        }
        catch
        {
            try
            {
                _commands.Rollback.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // SQLite already rolled back after the error.
            }

            throw;
        }
    }

    private void Pause(TimeSpan pause)
    {
        if (pause <= TimeSpan.Zero)
        {
            return;
        }

        // The writer thread has nothing else to do while the database is busy; waiting on the store's clock lets
        // tests step through the backoff.
        Task.Delay(pause, TimeProvider).GetAwaiter().GetResult();
    }

    private static void Reset(List<StoreOperation> batch)
    {
        foreach (var operation in batch)
        {
            operation.Reset();
        }
    }

    private static void Fail(List<StoreOperation> batch, Exception error)
    {
        foreach (var operation in batch)
        {
            operation.Fail(error);
        }
    }

    private static bool IsBusy(SqliteException e) =>
        e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED;
}
