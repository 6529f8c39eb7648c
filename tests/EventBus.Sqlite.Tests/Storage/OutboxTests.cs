using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Storage;

/// <summary>The application writes its own state and the item in one transaction on its own connection.</summary>
public sealed class OutboxTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public OutboxTests()
    {
        using var database = _db.Open();
        _db.Execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, state TEXT NOT NULL)");
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task An_outbox_item_is_invisible_until_the_caller_commits_and_is_then_picked_up_by_the_poll()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var connection = _db.Connect();

        using (var transaction = connection.BeginTransaction())
        {
            using var order = connection.CreateCommand();
            order.Transaction = transaction;
            order.CommandText = "INSERT INTO orders (id, state) VALUES (42, 'placed')";
            order.ExecuteNonQuery();
            jobs.Enqueue(new TestJob(42, "ship order 42"), transaction, partitionKey: "order-42");

            (await jobs.ClaimAllAsync()).Should().BeEmpty("the caller has not committed");
            var waiting = jobs.WaitForClaimableAsync();
            transaction.Commit();

            // The store cannot see another connection's commit: the idle poll finds it.
            await _db.Time.WaitForTimerAsync(database.PollInterval);
            _db.Time.Advance(database.PollInterval);
            await Wait.For(waiting, "the poll");
        }

        var item = (await jobs.ClaimAllAsync()).Should().ContainSingle().Subject;
        item.Item.Should().Be(new TestJob(42, "ship order 42"));
        item.PartitionKey.Should().Be("order-42");
        _db.Scalar("SELECT COUNT(*) FROM orders").Should().Be(1);
        jobs.GetStatistics().OutboxEnqueued.Should().Be(1);
    }

    [Fact]
    public async Task A_rollback_leaves_no_trace()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var connection = _db.Connect();

        using (var transaction = connection.BeginTransaction())
        {
            jobs.Enqueue(new TestJob(1), transaction);
            jobs.Enqueue(new TestJob(2), transaction);
            transaction.Rollback();
        }

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'eventbus_items'").Should().Be(0, "not even the id sequence moved");
        (await jobs.ClaimAllAsync()).Should().BeEmpty();
        (await jobs.CountAsync()).Pending.Should().Be(0);
    }

    [Fact]
    public async Task Outbox_rows_and_enqueued_rows_are_handed_out_in_commit_order()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        using var connection = _db.Connect();
        using (var transaction = connection.BeginTransaction())
        {
            jobs.Enqueue(new TestJob(2), transaction);
            transaction.Commit();
        }

        await jobs.EnqueueAsync(3);

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task A_transaction_of_another_database_or_one_already_completed_is_refused()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var elsewhere = new TempDatabase();
        using var otherConnection = elsewhere.Connect();
        using var otherTransaction = otherConnection.BeginTransaction();
        using var connection = _db.Connect();
        var done = connection.BeginTransaction();
        done.Commit();

        jobs.Invoking(j => j.Enqueue(new TestJob(1), otherTransaction)).Should().Throw<ArgumentException>()
            .WithMessage($"The transaction belongs to a connection to '{elsewhere.Path}', not to the queue database '{_db.Path}'*");
        jobs.Invoking(j => j.Enqueue(new TestJob(1), done)).Should().Throw<ArgumentException>().WithMessage("The transaction has already been committed or rolled back*");
        jobs.Invoking(j => j.Enqueue(new TestJob(1), null!)).Should().Throw<ArgumentNullException>();
        jobs.Invoking(j => j.Enqueue(null!, otherTransaction)).Should().Throw<ArgumentNullException>();
        done.Dispose();
    }

    [Fact]
    public async Task The_stores_own_writes_wait_for_an_open_outbox_transaction_and_go_on_after_it()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var connection = _db.Connect();
        var transaction = connection.BeginTransaction();
        jobs.Enqueue(new TestJob(1), transaction);

        var enqueue = jobs.EnqueueAsync(new TestJob(2)).AsTask();
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(1));
        enqueue.IsCompleted.Should().BeFalse("the caller's transaction holds the write lock");
        transaction.Commit();
        transaction.Dispose();
        _db.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Wait.For(enqueue, "the store's enqueue after the outbox commit");

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(1, 2);
        database.GetStatistics().BusyRetries.Should().BeGreaterThanOrEqualTo(1);
    }
}
