using System.Globalization;
using System.Text.Json;
using EventBus.Sqlite;
using Microsoft.Data.Sqlite;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>
/// The baseline: the least a durable queue on Microsoft.Data.Sqlite must do, written by hand. The same table (the
/// queue's own <c>eventbus_items</c>, columns and indexes, created by opening a queue on the file once), the same pragmas (WAL, the row's synchronous level), the same
/// group commit (one writer thread and connection with prepared statements; it takes every operation waiting, up to
/// <c>--batch</c>, runs them in one transaction, commits, then completes the callers' tasks), the same insert per
/// enqueue (JSON payload, a version-7 message id) and the same delete per handled item, sharing commits with the
/// inserts. What it leaves out is what the queue adds for crashes and its engine: the lease update per handed-out
/// row (it reads past a cursor instead, which only one consumer can do), due times, partitions, and the hand-off
/// from the reader to a worker (its handler runs on the reading loop).
/// </summary>
/// <remarks>With <c>leases</c> it is a second, diagnostic row that does the queue's statements too: it reads the
/// unleased rows and marks each one leased in the same transaction, and deletes only a leased row. The difference
/// between the two raw rows is what the lease costs; the rest of the queue's gap is its engine.</remarks>
public sealed class RawSqliteLoopRow : DurableRow
{
    public const string BaselineName = "Raw_MicrosoftDataSqlite_Loop";

    public const string LeasingName = "Raw_Loop_WithLeases";

    private const string Queue = "bench";

    private readonly RawWriter _writer;
    private readonly bool _leases;
    private readonly int _readLimit;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Task _consumer;

    public RawSqliteLoopRow(string synchronous, string path, int maxBatchSize, bool leases)
        : base(leases ? LeasingName : BaselineName, isBaseline: !leases, synchronous, path)
    {
        _leases = leases;
        _readLimit = maxBatchSize;
        _writer = new RawWriter(path, synchronous, maxBatchSize, Wake);
        _consumer = Task.Run(ConsumeAsync);
    }

    public override void Dispose()
    {
        _stop.Cancel();
        try
        {
            _consumer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The loop ends on the stop token.
        }

        _writer.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    protected override ValueTask EnqueueAsync(DurableItem item)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(item, DurableJson.Default.DurableItem);
        var now = DateTimeOffset.UtcNow;
        var insert = new RawInsert(Guid.CreateVersion7(now).ToString("D", CultureInfo.InvariantCulture), payload, now.ToUnixTimeMilliseconds());
        _writer.Submit(insert);
        return new ValueTask(insert.Task);
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another commit woke it already.
        }
    }

    private async Task ConsumeAsync()
    {
        var after = 0L;
        while (!_stop.IsCancellationRequested)
        {
            var read = new RawRead(after, _readLimit, _leases);
            _writer.Submit(read);
            var rows = await read.Task;
            foreach (var (id, payload) in rows)
            {
                Handle(JsonSerializer.Deserialize(payload, DurableJson.Default.DurableItem)!);
                _writer.Submit(new RawDelete(id, _leases));
                after = id;
            }

            if (rows.Count < _readLimit)
            {
                await _wake.WaitAsync(_stop.Token);
            }
        }
    }

    /// <summary>One operation for the writer thread.</summary>
    private abstract class RawOperation
    {
        public virtual bool Writes => true;

        public abstract void Execute(RawCommands commands);

        public abstract void Complete();
    }

    private sealed class RawInsert(string messageId, byte[] payload, long enqueuedAt) : RawOperation
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public override void Execute(RawCommands commands)
        {
            var p = commands.Insert.Parameters;
            p[0].Value = Queue;
            p[1].Value = messageId;
            p[2].Value = DBNull.Value;
            p[3].Value = 1;
            p[4].Value = payload;
            p[5].Value = enqueuedAt;
            commands.Insert.ExecuteNonQuery();
        }

        public override void Complete() => _done.TrySetResult();
    }

    private sealed class RawDelete(long id, bool leased) : RawOperation
    {
        public override void Execute(RawCommands commands)
        {
            var delete = leased ? commands.DeleteLeased : commands.Delete;
            delete.Parameters[0].Value = id;
            delete.ExecuteNonQuery();
        }

        public override void Complete()
        {
        }
    }

    private sealed class RawRead(long after, int limit, bool leases) : RawOperation
    {
        private readonly TaskCompletionSource<List<(long Id, byte[] Payload)>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(long Id, byte[] Payload)> _rows = [];

        public override bool Writes => leases;

        public Task<List<(long Id, byte[] Payload)>> Task => _done.Task;

        public override void Execute(RawCommands commands)
        {
            _rows.Clear();
            var read = leases ? commands.ReadUnleased : commands.Read;
            var p = read.Parameters;
            p[0].Value = Queue;
            p[1].Value = leases ? 0L : after;
            p[2].Value = limit;
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    _rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
                }
            }

            if (leases)
            {
                foreach (var (id, _) in _rows)
                {
                    commands.Lease.Parameters[0].Value = id;
                    commands.Lease.ExecuteNonQuery();
                }
            }
        }

        public override void Complete() => _done.TrySetResult(_rows);
    }

    /// <summary>The prepared statements of the writer's connection.</summary>
    private sealed class RawCommands : IDisposable
    {
        public RawCommands(SqliteConnection connection)
        {
            Begin = Create(connection, "BEGIN IMMEDIATE");
            BeginDeferred = Create(connection, "BEGIN DEFERRED");
            Commit = Create(connection, "COMMIT");
            Insert = Create(connection, """
                INSERT INTO eventbus_items (queue, message_id, partition_key, schema_version, payload, enqueued_at, due_at)
                VALUES ($queue, $message_id, $partition_key, $schema_version, $payload, $enqueued_at, $enqueued_at)
                """, "$queue", "$message_id", "$partition_key", "$schema_version", "$payload", "$enqueued_at");
            Delete = Create(connection, "DELETE FROM eventbus_items WHERE id = $id", "$id");
            DeleteLeased = Create(connection, "DELETE FROM eventbus_items WHERE id = $id AND leased = 1", "$id");
            Read = Create(connection, "SELECT id, payload FROM eventbus_items WHERE queue = $queue AND id > $after ORDER BY id LIMIT $limit",
                "$queue", "$after", "$limit");
            ReadUnleased = Create(connection,
                "SELECT id, payload FROM eventbus_items WHERE queue = $queue AND leased = $leased ORDER BY id LIMIT $limit",
                "$queue", "$leased", "$limit");
            Lease = Create(connection, "UPDATE eventbus_items SET leased = 1 WHERE id = $id AND leased = 0", "$id");
        }

        public SqliteCommand Begin { get; }

        public SqliteCommand BeginDeferred { get; }

        public SqliteCommand Commit { get; }

        public SqliteCommand Insert { get; }

        public SqliteCommand Delete { get; }

        public SqliteCommand Read { get; }

        public SqliteCommand DeleteLeased { get; }

        public SqliteCommand ReadUnleased { get; }

        public SqliteCommand Lease { get; }

        public void Dispose()
        {
            foreach (var command in (SqliteCommand[])[Begin, BeginDeferred, Commit, Insert, Delete, DeleteLeased, Read, ReadUnleased, Lease])
            {
                command.Dispose();
            }
        }

        private static SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            command.Prepare();
            return command;
        }
    }

    /// <summary>Group commit by hand: one thread, one connection; a batch is everything waiting, up to the limit.</summary>
    private sealed class RawWriter : IDisposable
    {
        private readonly object _gate = new();
        private readonly Queue<RawOperation> _pending = new();
        private readonly SqliteConnection _connection;
        private readonly RawCommands _commands;
        private readonly int _maxBatch;
        private readonly Action _committedInserts;
        private readonly Thread _thread;
        private bool _closing;
        private bool _waiting;

        public RawWriter(string path, string synchronous, int maxBatch, Action committedInserts)
        {
            _maxBatch = maxBatch;
            _committedInserts = committedInserts;
            CreateTables(path);
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = false,
            }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode = WAL");
            Execute($"PRAGMA synchronous = {synchronous}");
            _commands = new RawCommands(_connection);
            _thread = new Thread(Run) { IsBackground = true, Name = "raw SQLite writer" };
            _thread.Start();
        }

        public void Submit(RawOperation operation)
        {
            lock (_gate)
            {
                _pending.Enqueue(operation);
                if (_waiting)
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _closing = true;
                Monitor.PulseAll(_gate);
            }

            _thread.Join();
            _commands.Dispose();
            _connection.Dispose();
        }

        private void Run()
        {
            var batch = new List<RawOperation>(_maxBatch);
            while (Take(batch))
            {
                var writes = false;
                var inserts = false;
                foreach (var operation in batch)
                {
                    writes |= operation.Writes;
                    inserts |= operation is RawInsert;
                }

                (writes ? _commands.Begin : _commands.BeginDeferred).ExecuteNonQuery();
                foreach (var operation in batch)
                {
                    operation.Execute(_commands);
                }

                _commands.Commit.ExecuteNonQuery();
                foreach (var operation in batch)
                {
                    operation.Complete();
                }

                if (inserts)
                {
                    _committedInserts();
                }

                batch.Clear();
            }
        }

        private bool Take(List<RawOperation> batch)
        {
            lock (_gate)
            {
                while (_pending.Count == 0)
                {
                    if (_closing)
                    {
                        return false;
                    }

                    _waiting = true;
                    Monitor.Wait(_gate);
                    _waiting = false;
                }

                while (batch.Count < _maxBatch && _pending.TryDequeue(out var operation))
                {
                    batch.Add(operation);
                }

                return true;
            }
        }

        /// <summary>The queue's own tables and indexes, made by the queue itself: a durable queue opened once on the file
        /// and closed again (its schema is internal, and a copy could drift from it).</summary>
        private static void CreateTables(string path)
        {
            var persistence = new SqliteQueueOptions<DurableItem>(DurableJson.Default.DurableItem) { Storage = { Path = path } };
            SqliteWorkQueue.Create<DurableItem>(static _ => { }, persistence).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        private void Execute(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
