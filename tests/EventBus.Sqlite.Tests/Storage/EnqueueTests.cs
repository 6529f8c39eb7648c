using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class EnqueueTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task An_enqueued_item_is_stored_as_JSON_with_its_message_id_schema_version_key_and_time()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        await jobs.EnqueueAsync(new TestJob(7, "seven"), partitionKey: "customer-1");

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items WHERE queue = 'jobs' AND partition_key = 'customer-1' AND schema_version = 1 AND leased = 0")
            .Should().Be(1);
        _db.Scalar("SELECT enqueued_at FROM eventbus_items").Should().Be(_db.Time.GetUtcNow().ToUnixTimeMilliseconds());
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items WHERE CAST(payload AS TEXT) = '{\"Number\":7,\"Text\":\"seven\",\"Amount\":0}'").Should().Be(1);

        var item = (await jobs.ClaimAsync(1)).Should().ContainSingle().Subject;
        item.Item.Should().Be(new TestJob(7, "seven"));
        item.PartitionKey.Should().Be("customer-1");
        item.EnqueuedAt.Should().Be(_db.Time.GetUtcNow());
        item.MessageId.Version.Should().Be(7, "message ids are time-ordered UUIDs");
        item.Attempts.Should().Be(0);
        item.Redelivered.Should().BeFalse();
        jobs.GetStatistics().Enqueued.Should().Be(1);
    }

    [Fact]
    public async Task Concurrent_enqueues_share_one_commit_and_each_completes_only_after_it()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(0);
        var before = database.GetStatistics();

        // Another connection holds the write lock, so the writer cannot commit: it retries with backoff while
        // more enqueues arrive, and they all go into the one transaction that commits once the lock is free.
        using var blocker = _db.Connect();
        using var hold = blocker.BeginTransaction();
        var first = jobs.EnqueueAsync(new TestJob(1)).AsTask();
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(1));
        var more = Enumerable.Range(2, 9).Select(n => jobs.EnqueueAsync(new TestJob(n)).AsTask()).ToArray();
        await Wait.Until(() => database.PendingOperations == 9, "nine enqueues waiting for the writer");

        first.IsCompleted.Should().BeFalse("nothing is acknowledged before its commit");
        more.Should().OnlyContain(t => !t.IsCompleted);
        database.GetStatistics().BusyRetries.Should().Be(1);

        hold.Rollback();
        _db.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Wait.For(Task.WhenAll(more.Append(first)), "the shared commit");

        var after = database.GetStatistics();
        (after.Transactions - before.Transactions).Should().Be(1, "ten enqueues shared one transaction");
        after.LargestBatch.Should().Be(10);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(11);
        (await jobs.ClaimAllAsync()).Numbers().Should().BeEquivalentTo(Enumerable.Range(0, 11));
    }

    [Fact]
    public async Task Many_concurrent_producers_lose_nothing()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await jobs.EnqueueAsync(new TestJob((p * 100) + i));
            }
        })));

        var stats = database.GetStatistics();
        stats.Operations.Should().Be(200);
        _db.Scalar("SELECT COUNT(DISTINCT CAST(payload AS TEXT)) FROM eventbus_items").Should().Be(200);
    }

    [Fact]
    public async Task A_null_item_is_refused_at_the_call()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        var enqueue = () => jobs.EnqueueAsync(null!);

        enqueue.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task An_item_that_cannot_be_serialized_faults_the_call_and_stores_nothing()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        var enqueue = () => jobs.EnqueueAsync(new TestJob(1, Amount: double.NaN)).AsTask();

        await enqueue.Should().ThrowAsync<ArgumentException>();
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
    }

    [Fact]
    public async Task A_cancelled_enqueue_stores_nothing()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        var enqueue = () => jobs.EnqueueAsync(new TestJob(1), cancellationToken: new CancellationToken(canceled: true)).AsTask();

        await enqueue.Should().ThrowAsync<OperationCanceledException>();
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
    }
}
