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
