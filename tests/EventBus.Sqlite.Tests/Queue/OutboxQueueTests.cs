using System.Collections.Concurrent;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Microsoft.Data.Sqlite;

namespace EventBus.Sqlite.Tests.Queue;

/// <summary>The transactional outbox end to end: an item written in the application's own transaction reaches a handler
/// once the transaction commits, and never when it rolls back.</summary>
public sealed class OutboxQueueTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task An_item_written_in_a_committed_transaction_reaches_its_handler_with_the_application_s_changes()
    {
        var handled = new ConcurrentQueue<(TestJob Job, long OrdersAtHandling)>();
        var done = new Countdown(2);
        await using var queue = SqliteWorkQueue.Create<TestJob>(
            job =>
            {
                // The handler sees the state change that was committed with its item.
                handled.Enqueue((job, _db.Scalar($"SELECT COUNT(*) FROM orders WHERE id = {job.Number}")));
                done.Signal();
            },
            _db.Persistence(TestJson.Default.TestJob).PartitionBy(static job => job.Text),
            _db.QueueOptions<TestJob>());
        _db.Execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
        var poll = _db.Options().PollInterval;

        using (var connection = _db.Connect())
        {
            foreach (var number in new[] { 1, 2 })
            {
                using var transaction = connection.BeginTransaction();
                using (var insert = connection.CreateCommand())
                {
                    insert.Transaction = transaction;
                    insert.CommandText = $"INSERT INTO orders (id) VALUES ({number})";
                    insert.ExecuteNonQuery();
                }

                await queue.EnqueueAsync(new TestJob(number, "customer-7"), transaction);
                _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(number - 1, "another connection sees nothing before the commit");
                transaction.Commit();
            }
        }

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items WHERE partition_key = 'customer-7'").Should().BeGreaterThan(0, "the key is stored with the item");
        await _db.Time.WaitForTimerAsync(poll);
        _db.Time.Advance(poll);
        await done.WaitAsync("both outbox items, found by the poll after their commits");
        (await queue.CompleteAsync()).Delivered.Should().Be(2);

        handled.Select(h => h.Job.Number).Should().Equal([1, 2], "one key: in commit order");
        handled.Should().OnlyContain(h => h.OrdersAtHandling == 1);
        queue.Store.GetStatistics().OutboxEnqueued.Should().Be(2);
    }

    [Fact]
    public async Task An_item_written_in_a_rolled_back_transaction_leaves_no_trace()
    {
        var handled = 0;
        await using var queue = SqliteWorkQueue.Create<TestJob>(_ => Interlocked.Increment(ref handled), _db.Persistence(TestJson.Default.TestJob), _db.QueueOptions<TestJob>());
        var poll = _db.Options().PollInterval;

        using (var connection = _db.Connect())
        using (var transaction = connection.BeginTransaction())
        {
            await queue.EnqueueAsync(new TestJob(1), transaction);
            transaction.Rollback();
        }

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
        await _db.Time.WaitForTimerAsync(poll);
        _db.Time.Advance(poll);
        await _db.Time.WaitForTimerAsync(poll, 2);
        handled.Should().Be(0, "the feeder looked again after the rollback and found nothing");
        (await queue.CompleteAsync()).Delivered.Should().Be(0);
    }

    [Fact]
    public async Task A_transaction_on_another_file_or_one_already_finished_is_refused_at_the_call()
    {
        await using var queue = SqliteWorkQueue.Create<TestJob>(_ => { }, _db.Persistence(TestJson.Default.TestJob), _db.QueueOptions<TestJob>());
        using var other = new TempDatabase();
        using var elsewhere = other.Connect();
        using (var transaction = elsewhere.BeginTransaction())
        {
            queue.Invoking(q => q.EnqueueAsync(new TestJob(1), transaction)).Should().Throw<ArgumentException>().WithMessage("*not to the queue database*");
        }

        using var connection = _db.Connect();
        var finished = connection.BeginTransaction();
        finished.Commit();
        queue.Invoking(q => q.EnqueueAsync(new TestJob(1), finished)).Should().Throw<ArgumentException>().WithMessage("*already been committed or rolled back*");
        finished.Dispose();
    }

    [Fact]
    public async Task An_outbox_insert_that_fails_on_the_caller_s_connection_faults_the_task()
    {
        await using var queue = SqliteWorkQueue.Create<TestJob>(_ => { }, _db.Persistence(TestJson.Default.TestJob), _db.QueueOptions<TestJob>());
        using var connection = _db.Connect();
        using var transaction = connection.BeginTransaction();
        using (var drop = connection.CreateCommand())
        {
            drop.Transaction = transaction;
            drop.CommandText = "DROP TABLE eventbus_items";
            drop.ExecuteNonQuery();
        }

        var enqueue = queue.EnqueueAsync(new TestJob(1), transaction).AsTask();
        await enqueue.Invoking(t => t).Should().ThrowAsync<SqliteException>();
        transaction.Rollback();
    }
}
