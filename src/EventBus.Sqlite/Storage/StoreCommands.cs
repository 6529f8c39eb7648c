using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// The writer's statements, prepared once on its connection and reused for every operation. Used by the
/// writer thread only. Every command surfaces a busy answer at once (see <see cref="SurfaceBusyAtOnce"/>), so
/// the writer's own retry loop can back off on the store's clock and count it.
/// </summary>
internal sealed class StoreCommands : IDisposable
{
    // Microsoft.Data.Sqlite retries a busy statement itself (150 ms sleeps) until CommandTimeout seconds have
    // passed, and 0 means forever. A negative timeout is past as soon as it is checked, so the first busy
    // answer is thrown, and the store's retry loop (which counts, backs off on its TimeProvider and honours
    // BusyTimeout) decides what to do.
    internal const int SurfaceBusyAtOnce = -1;

    /// <summary>Inserts an item, due at once. Also run by the outbox on the caller's own connection.</summary>
    internal const string InsertSql = """
        INSERT INTO eventbus_items (queue, message_id, partition_key, schema_version, payload, enqueued_at, due_at)
        VALUES ($queue, $message_id, $partition_key, $schema_version, $payload, $enqueued_at, $enqueued_at)
        """;

    private readonly List<SqliteCommand> _all = [];

    internal StoreCommands(SqliteConnection connection)
    {
        Begin = Create(connection, "BEGIN IMMEDIATE");
        BeginDeferred = Create(connection, "BEGIN DEFERRED");
        Commit = Create(connection, "COMMIT");
        Rollback = Create(connection, "ROLLBACK");
        Insert = Create(connection, InsertSql, "$queue", "$message_id", "$partition_key", "$schema_version", "$payload", "$enqueued_at");
        Delete = Create(connection, "DELETE FROM eventbus_items WHERE id = $id AND leased = 1", "$id");
        RecordFailure = Create(connection, """
            UPDATE eventbus_items
            SET attempts = attempts + 1, due_at = $due_at, first_failed_at = COALESCE(first_failed_at, $now),
                last_error_type = $error_type, last_error_message = $error_message, leased = $leased
            WHERE id = $id AND leased = 1
            """, "$id", "$due_at", "$now", "$error_type", "$error_message", "$leased");
        Release = Create(connection, "UPDATE eventbus_items SET leased = 0 WHERE id = $id AND leased = 1", "$id");
        CopyToDeadLetters = Create(connection, """
            INSERT INTO eventbus_dead_letters (item_id, queue, message_id, partition_key, schema_version, payload, enqueued_at,
                attempts, first_failed_at, dead_lettered_at, reason, exception_type, exception_message, redeliveries)
            SELECT id, queue, message_id, partition_key, schema_version, payload, enqueued_at,
                attempts + $extra_attempts, CASE WHEN $extra_attempts > 0 THEN COALESCE(first_failed_at, $now) ELSE first_failed_at END,
                $now, $reason, $exception_type, $exception_message, redeliveries
            FROM eventbus_items WHERE id = $id
            """, "$id", "$extra_attempts", "$now", "$reason", "$exception_type", "$exception_message");
        DeleteAny = Create(connection, "DELETE FROM eventbus_items WHERE id = $id", "$id");
        SelectClaimable = Create(connection, """
            SELECT i.id, i.message_id, i.partition_key, i.schema_version, i.payload, i.enqueued_at, i.attempts, i.first_failed_at, i.redeliveries
            FROM eventbus_items AS i
            WHERE i.queue = $queue AND i.leased = 0 AND i.due_at <= $now
              AND (i.partition_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM eventbus_items AS e
                    WHERE e.queue = i.queue AND e.partition_key = i.partition_key AND e.id < i.id))
            ORDER BY i.id
            LIMIT $limit
            """, "$queue", "$now", "$limit");
        Lease = Create(connection, "UPDATE eventbus_items SET leased = 1 WHERE id = $id AND leased = 0", "$id");
        NextDue = Create(connection,
            "SELECT MIN(due_at) FROM eventbus_items WHERE queue = $queue AND leased = 0 AND due_at > $now", "$queue", "$now");
        Count = Create(connection, """
            SELECT COALESCE(SUM(leased = 0 AND due_at <= $now), 0), COALESCE(SUM(leased = 0 AND due_at > $now), 0),
                   COALESCE(SUM(leased = 1), 0), (SELECT COUNT(*) FROM eventbus_dead_letters WHERE queue = $queue)
            FROM eventbus_items WHERE queue = $queue
            """, "$queue", "$now");
        ReadDeadLetters = Create(connection, """
            SELECT id, item_id, queue, message_id, partition_key, schema_version, payload, enqueued_at, attempts, first_failed_at,
                   dead_lettered_at, reason, exception_type, exception_message, redeliveries
            FROM eventbus_dead_letters WHERE queue = $queue ORDER BY id LIMIT $limit
            """, "$queue", "$limit");
        RedriveOne = Create(connection, """
            INSERT INTO eventbus_items (queue, message_id, partition_key, schema_version, payload, enqueued_at, due_at)
            SELECT queue, message_id, partition_key, schema_version, payload, enqueued_at, $now
            FROM eventbus_dead_letters WHERE id = $id AND queue = $queue
            """, "$id", "$queue", "$now");
        DeleteDeadLetter = Create(connection, "DELETE FROM eventbus_dead_letters WHERE id = $id AND queue = $queue", "$id", "$queue");
        RedriveAll = Create(connection, """
            INSERT INTO eventbus_items (queue, message_id, partition_key, schema_version, payload, enqueued_at, due_at)
            SELECT queue, message_id, partition_key, schema_version, payload, enqueued_at, $now
            FROM eventbus_dead_letters WHERE queue = $queue ORDER BY id
            """, "$queue", "$now");
        DeleteAllDeadLetters = Create(connection, "DELETE FROM eventbus_dead_letters WHERE queue = $queue", "$queue");
    }

    internal SqliteCommand Begin { get; }

    internal SqliteCommand BeginDeferred { get; }

    internal SqliteCommand Commit { get; }

    internal SqliteCommand Rollback { get; }

    internal SqliteCommand Insert { get; }

    internal SqliteCommand Delete { get; }

    internal SqliteCommand RecordFailure { get; }

    internal SqliteCommand Release { get; }

    internal SqliteCommand CopyToDeadLetters { get; }

    internal SqliteCommand DeleteAny { get; }

    internal SqliteCommand SelectClaimable { get; }

    internal SqliteCommand Lease { get; }

    internal SqliteCommand NextDue { get; }

    internal SqliteCommand Count { get; }

    internal SqliteCommand ReadDeadLetters { get; }

    internal SqliteCommand RedriveOne { get; }

    internal SqliteCommand DeleteDeadLetter { get; }

    internal SqliteCommand RedriveAll { get; }

    internal SqliteCommand DeleteAllDeadLetters { get; }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }

    /// <summary>Sets the parameters of <paramref name="command"/>, in the order they were declared.</summary>
    internal static void Bind(SqliteCommand command, object? p0, object? p1 = null, object? p2 = null, object? p3 = null, object? p4 = null, object? p5 = null)
    {
        var parameters = command.Parameters;
        Span<object?> values = [p0, p1, p2, p3, p4, p5];
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = SurfaceBusyAtOnce;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        _all.Add(command);
        return command;
    }
}
