namespace EventBus.Sqlite.Storage;

/// <summary>
/// One durable queue's hold on an open <see cref="SqliteQueueDatabase"/>. The queues of one process that name the
/// same file share one open database (its lock, its writer and its commits), opened by the first and closed by the
/// last to let go; the file's ownership stays one per process. They must give it the same settings and clock.
/// </summary>
internal sealed class DatabaseLease
{
    private static readonly Dictionary<string, Shared> s_open = new(StringComparer.Ordinal);

    private readonly Shared _shared;
    private int _released;

    private DatabaseLease(Shared shared) => _shared = shared;

    internal SqliteQueueDatabase Database => _shared.Database;

    /// <summary>Opens the file of <paramref name="options"/>, or joins the database this process already has open on it.</summary>
    /// <exception cref="ArgumentException"><see cref="SqliteStorageOptions.Path"/> is not set, or names a directory.</exception>
    /// <exception cref="InvalidOperationException">The file is open in this process with other settings or another clock;
    /// and the other failures of <see cref="SqliteQueueDatabase.Open(SqliteStorageOptions, TimeProvider?)"/>.</exception>
    internal static DatabaseLease Acquire(SqliteStorageOptions options, TimeProvider time)
    {
        var path = System.IO.Path.GetFullPath(
            options.Path ?? throw new ArgumentException("SqliteStorageOptions.Path must be set to the database file's path.", nameof(options)));
        var settings = new Settings(options.Synchronous, options.MaxBatchSize, options.BusyTimeout, options.PollInterval, time);
        lock (s_open)
        {
            if (s_open.TryGetValue(path, out var shared))
            {
                if (shared.Settings != settings)
                {
                    throw new InvalidOperationException(
                        $"The queue database '{path}' is already open in this process with other settings ({shared.Settings.Describe()}), " +
                        $"not {settings.Describe()}. Queues that share a file share its writer: give them the same SqliteStorageOptions " +
                        "values and the same TimeProvider, or give each its own file.");
                }

                shared.Holders++;
                return new DatabaseLease(shared);
            }

            // Opened under the lock: a second queue of the same file waits for it rather than racing for the file's lock.
            shared = new Shared(path, SqliteQueueDatabase.Open(options, time), settings);
            s_open.Add(path, shared);
            return new DatabaseLease(shared);
        }
    }

    /// <summary>Lets go of the database; the last holder closes it (its writer commits what was handed over first). Idempotent.</summary>
    internal ValueTask ReleaseAsync() => LetGo() is { } last ? last.DisposeAsync() : default;

    /// <inheritdoc cref="ReleaseAsync"/>
    internal void Release() => LetGo()?.Dispose();

    private SqliteQueueDatabase? LetGo()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return null;
        }

        lock (s_open)
        {
            if (--_shared.Holders > 0)
            {
                return null;
            }

            s_open.Remove(_shared.Path);
            return _shared.Database;
        }
    }

    private sealed class Shared(string path, SqliteQueueDatabase database, Settings settings)
    {
        internal string Path { get; } = path;

        internal SqliteQueueDatabase Database { get; } = database;

        internal Settings Settings { get; } = settings;

        internal int Holders { get; set; } = 1;
    }

    private readonly record struct Settings(
        SqliteSynchronousMode Synchronous, int MaxBatchSize, TimeSpan BusyTimeout, TimeSpan PollInterval, TimeProvider Time)
    {
        internal string Describe() =>
            $"Synchronous {Synchronous}, MaxBatchSize {MaxBatchSize}, BusyTimeout {BusyTimeout}, PollInterval {PollInterval}, clock {Time.GetType().Name}";
    }
}
