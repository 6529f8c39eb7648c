using EventBus.Sqlite.Storage;
using EventBus.Tests.TestUtilities;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Tests.Infrastructure;

/// <summary>A database file in a fresh temporary directory, deleted with it; opens stores on it and reads its
/// tables directly, through a connection of its own.</summary>
internal sealed class TempDatabase : IDisposable
{
    private readonly List<SqliteQueueDatabase> _opened = [];

    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "eventbus-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "queue.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public TestTimeProvider Time { get; } = new();

    public SqliteStorageOptions Options(Action<SqliteStorageOptions>? configure = null)
    {
        var options = new SqliteStorageOptions { Path = Path };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>The persistence of a durable queue on this file.</summary>
    public SqliteQueueOptions<T> Persistence<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, Action<SqliteStorageOptions>? configure = null) =>
        new(typeInfo) { Storage = Options(configure) };

    /// <summary>The persistence of a durable queue of ints on this file.</summary>
    public SqliteQueueOptions<int> Ints(Action<SqliteStorageOptions>? configure = null) => Persistence(TestJson.Default.Int32, configure);

    /// <summary>The settings of a durable queue on the fake clock (<see cref="Time"/>), with exact retry delays.</summary>
    public WorkQueueOptions<T> QueueOptions<T>(int workers = 1, int capacity = 16, RetryPolicy? retry = null, Action<EventBusOptions>? shared = null)
    {
        var bus = new EventBusOptions { TimeProvider = Time };
        shared?.Invoke(bus);
        return new WorkQueueOptions<T>
        {
            Name = "jobs",
            WorkerCount = workers,
            Capacity = capacity,
            RetryPolicy = retry ?? RetryPolicy.None,
            Shared = bus,
        };
    }

    /// <summary>The numbers of this file's item rows (items of <see cref="QueueOptions{T}"/>: ints) with their lease flag, in id order.</summary>
    public IReadOnlyList<(int Number, bool Leased)> IntRows()
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, leased FROM eventbus_items ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(int, bool)>();
        while (reader.Read())
        {
            rows.Add((System.Text.Json.JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(0), TestJson.Default.Int32), reader.GetInt64(1) == 1));
        }

        return rows;
    }

    /// <summary>Opens the database on the fake clock; disposed with this object if the test did not.</summary>
    public SqliteQueueDatabase Open(Action<SqliteStorageOptions>? configure = null, IReadOnlyList<SchemaMigration>? migrations = null)
    {
        var database = SqliteQueueDatabase.Open(Options(configure), Time, migrations ?? DatabaseSchema.Migrations);
        _opened.Add(database);
        return database;
    }

    public static SqliteItemStore<TestJob> Jobs(SqliteQueueDatabase database, string name = "jobs") =>
        database.OpenQueue(name, new DurableItemFormat<TestJob>(TestJson.Default.TestJob));

    /// <summary>A connection of the test's own to the file (the application's connection in outbox tests).</summary>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Execute(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var database in _opened)
        {
            database.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp directory is cleaned by the system later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
