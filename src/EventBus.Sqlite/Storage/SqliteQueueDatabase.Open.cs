using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

internal sealed partial class SqliteQueueDatabase
{
    /// <summary>
    /// Opens (creating when missing) the database file of <paramref name="options"/>: checks the path, takes
    /// ownership, switches to WAL with the chosen synchronous level, migrates the schema forward, and returns
    /// every row that was leased when the last owner stopped to the store (counted per queue, and flagged as
    /// redelivered when its handler may have been running).
    /// </summary>
    /// <param name="options">The file and its settings; read once, here.</param>
    /// <param name="timeProvider">The clock for enqueue, due and failure times, polls and busy pauses; the
    /// system clock when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><see cref="SqliteStorageOptions.Path"/> is not set, or names a directory.</exception>
    /// <exception cref="DirectoryNotFoundException">The file's directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file (or its lock file, or its directory) is read-only.</exception>
    /// <exception cref="IOException">Another store, in this process or another, owns the file.</exception>
    /// <exception cref="InvalidDataException">The file is not a SQLite database.</exception>
    /// <exception cref="InvalidOperationException">The file's schema is newer than this release knows, a
    /// migration failed, WAL cannot be used on it, or file locking is turned off in this process.</exception>
    internal static SqliteQueueDatabase Open(SqliteStorageOptions options, TimeProvider? timeProvider = null) =>
        Open(options, timeProvider, DatabaseSchema.Migrations);

    /// <summary>Opens with a given list of schema steps (tests use it to check forward migration).</summary>
    internal static SqliteQueueDatabase Open(SqliteStorageOptions options, TimeProvider? timeProvider, IReadOnlyList<SchemaMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(migrations);
        var time = timeProvider ?? TimeProvider.System;
        var path = CheckPath(options);

        var ownership = DatabaseOwnership.Acquire(path);
        SqliteConnection? connection = null;
        try
        {
            connection = OpenConnection(path, options.Synchronous);
            var schema = Describe(path, () => DatabaseSchema.Migrate(connection, migrations, time.GetUtcNow(), path));
            var recovered = Describe(path, () => Recover(connection, time.GetUtcNow()));
            var database = new SqliteQueueDatabase(path, options, time, ownership, connection, recovered, schema);
            database._writer.Start(database);
            return database;
        }
        catch
        {
            connection?.Dispose();
            ownership.Dispose();
            throw;
        }
    }

    private static string CheckPath(SqliteStorageOptions options)
    {
        var configured = options.Path
            ?? throw new ArgumentException("SqliteStorageOptions.Path must be set to the database file's path.", nameof(options));

        var path = System.IO.Path.GetFullPath(configured);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"'{path}' is a directory; SqliteStorageOptions.Path must name the database file inside it.", nameof(options));
        }

        var directory = System.IO.Path.GetDirectoryName(path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(
                $"The directory '{directory}' of the queue database '{path}' does not exist. Create it first: the store creates the database file, not its directory.");
        }

        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
        {
            throw new UnauthorizedAccessException(
                $"The queue database '{path}' is read-only. A durable queue writes to its database on every enqueue and outcome: " +
                "give this process write access to the file, or choose another file.");
        }

        return path;
    }

    private static SqliteConnection OpenConnection(string path, SqliteSynchronousMode synchronous)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // The writer keeps its one connection for the database's life; closing it must really close the file.
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            Describe(path, () =>
            {
                connection.Open();
                var mode = Pragma(connection, "journal_mode = WAL");
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(
                        $"The queue database '{path}' cannot use write-ahead logging (SQLite kept journal mode '{mode}'): the store needs WAL. " +
                        "Put the file on a local file system (WAL does not work over network shares).");
                }

                Pragma(connection, synchronous == SqliteSynchronousMode.Full ? "synchronous = FULL" : "synchronous = NORMAL");
                return true;
            });
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Hands every leased row back to the store, flagging those whose handler may have been running.</summary>
    private static Dictionary<string, RecoveredRows> Recover(SqliteConnection connection, DateTimeOffset now)
    {
        var at = Timestamps.ToStored(now);
        var recovered = new Dictionary<string, RecoveredRows>(StringComparer.Ordinal);
        DatabaseSchema.Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            using (var count = connection.CreateCommand())
            {
                count.CommandText = "SELECT queue, COUNT(*), COALESCE(SUM(due_at <= $now), 0) FROM eventbus_items WHERE leased = 1 GROUP BY queue";
                count.Parameters.AddWithValue("$now", at);
                using var reader = count.ExecuteReader();
                while (reader.Read())
                {
                    recovered[reader.GetString(0)] = new RecoveredRows(reader.GetInt64(1), reader.GetInt64(2));
                }
            }

            if (recovered.Count > 0)
            {
                // A row due at the stop may have been in a handler: it is redelivered. A row whose retry was
                // still in the future was waiting on the consumer's timer, no handler had it: it keeps waiting.
                using var release = connection.CreateCommand();
                release.CommandText = """
                    UPDATE eventbus_items
                    SET redeliveries = redeliveries + (CASE WHEN due_at <= $now THEN 1 ELSE 0 END), leased = 0
                    WHERE leased = 1
                    """;
                release.Parameters.AddWithValue("$now", at);
                release.ExecuteNonQuery();
            }

            DatabaseSchema.Execute(connection, "COMMIT");
            return recovered;
        }
        catch
        {
            DatabaseSchema.TryRollback(connection);
            throw;
        }
    }

    private static string Pragma(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? string.Empty;
    }

    /// <summary>Runs a step of opening and turns SQLite's codes into errors that name the file and the problem.</summary>
    private static TResult Describe<TResult>(string path, Func<TResult> step)
    {
        try
        {
            return step();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_PERM)
        {
            throw new UnauthorizedAccessException(
                $"The queue database '{path}' cannot be written (SQLite: {e.Message}). A durable queue needs write access to the file, " +
                "and to its directory for the -wal and -shm files beside it.",
                e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_CANTOPEN)
        {
            throw new UnauthorizedAccessException(
                $"The queue database '{path}' cannot be opened (SQLite: {e.Message}). Check that this process may create and write files in its directory.",
                e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_NOTADB)
        {
            throw new InvalidDataException($"'{path}' is not a SQLite database (SQLite: {e.Message}); give the queue a file of its own.", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
        {
            throw new IOException(
                $"The queue database '{path}' is locked by another connection that is not a queue store (a tool, or the application's own " +
                $"connection holding a transaction) while it opens (SQLite: {e.Message}). Close it and open the store again.",
                e);
        }
    }
}
