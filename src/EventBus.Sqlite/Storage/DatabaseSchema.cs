using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// The tables of a queue database and the forward migrations that build them. The version in force is the
/// highest row of <c>eventbus_schema</c>; opening a database applies, in one transaction, every step above
/// it, so a crash during a migration leaves the database as it was. A database whose version is newer than
/// the steps this code knows was written by a newer release and is refused rather than misread.
/// </summary>
internal static class DatabaseSchema
{
    internal const string ItemsTable = "eventbus_items";
    internal const string DeadLettersTable = "eventbus_dead_letters";
    internal const string SchemaTable = "eventbus_schema";

    /// <summary>Every step, in order. Version 1 is the first release.</summary>
    internal static readonly IReadOnlyList<SchemaMigration> Migrations =
    [
        new(1, "items and dead letters", """
            CREATE TABLE eventbus_items (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                message_id TEXT NOT NULL,
                partition_key TEXT,
                schema_version INTEGER NOT NULL,
                payload BLOB NOT NULL,
                enqueued_at INTEGER NOT NULL,
                due_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                first_failed_at INTEGER,
                last_error_type TEXT,
                last_error_message TEXT,
                leased INTEGER NOT NULL DEFAULT 0,
                redeliveries INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX eventbus_items_ready ON eventbus_items (queue, leased, id);
            CREATE INDEX eventbus_items_partition ON eventbus_items (queue, partition_key, id) WHERE partition_key IS NOT NULL;
            CREATE TABLE eventbus_dead_letters (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                item_id INTEGER NOT NULL,
                queue TEXT NOT NULL,
                message_id TEXT NOT NULL,
                partition_key TEXT,
                schema_version INTEGER NOT NULL,
                payload BLOB NOT NULL,
                enqueued_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                first_failed_at INTEGER,
                dead_lettered_at INTEGER NOT NULL,
                reason TEXT NOT NULL,
                exception_type TEXT,
                exception_message TEXT,
                redeliveries INTEGER NOT NULL
            );
            CREATE INDEX eventbus_dead_letters_queue ON eventbus_dead_letters (queue, id);
            """),
    ];

    /// <summary>The version a database has after <see cref="Migrate"/> with <see cref="Migrations"/>.</summary>
    internal static int CurrentVersion => Migrations[^1].Version;

    /// <summary>Brings the database up to the last of <paramref name="migrations"/>.</summary>
    /// <returns>The version found and the version left.</returns>
    /// <exception cref="InvalidOperationException">The database is newer than the last step, or a step failed
    /// (the transaction is rolled back: the database keeps its previous version).</exception>
    internal static (int From, int To) Migrate(SqliteConnection connection, IReadOnlyList<SchemaMigration> migrations, DateTimeOffset now, string databasePath)
    {
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS eventbus_schema (
                    version INTEGER PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at INTEGER NOT NULL
                )
                """);
            int found;
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM eventbus_schema";
                found = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            var known = migrations[^1].Version;
            if (found > known)
            {
                throw new InvalidOperationException(
                    $"The queue database '{databasePath}' has schema version {found}, newer than version {known}, the newest this " +
                    "release of EventBus.Sqlite knows: it was written by a newer release. Upgrade the package, or use another file.");
            }

            foreach (var migration in migrations)
            {
                if (migration.Version <= found)
                {
                    continue;
                }

                try
                {
                    Execute(connection, migration.Sql);
                }
                catch (SqliteException e)
                {
                    throw new InvalidOperationException(
                        $"Migrating the queue database '{databasePath}' to schema version {migration.Version} ({migration.Description}) failed; " +
                        $"it stays at version {found}.",
                        e);
                }

                using var record = connection.CreateCommand();
                record.CommandText = "INSERT INTO eventbus_schema (version, description, applied_at) VALUES ($version, $description, $at)";
                record.Parameters.AddWithValue("$version", migration.Version);
                record.Parameters.AddWithValue("$description", migration.Description);
                record.Parameters.AddWithValue("$at", Timestamps.ToStored(now));
                record.ExecuteNonQuery();
            }

            Execute(connection, "COMMIT");
            return (found, Math.Max(found, known));
        }
        catch
        {
            TryRollback(connection);
            throw;
        }
    }

    /// <summary>Rolls back the open transaction, if SQLite has not already done so after the error.</summary>
    internal static void TryRollback(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
        }
        catch (SqliteException)
        {
            // No transaction was active any more: SQLite rolls back by itself after some errors.
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
