using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class ClaimTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Claims_hand_out_due_items_oldest_first_up_to_the_count_and_never_twice()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1, 2, 3, 4, 5);

        (await jobs.ClaimAsync(3)).Numbers().Should().Equal(1, 2, 3);
        (await jobs.ClaimAsync(10)).Numbers().Should().Equal(4, 5);
        (await jobs.ClaimAsync(10)).Should().BeEmpty();

        jobs.LeasedCount.Should().Be(5);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items WHERE leased = 1").Should().Be(5);
        jobs.GetStatistics().Claimed.Should().Be(5);
    }

    [Fact]
    public async Task Queues_sharing_a_file_see_only_their_own_rows()
    {
        await using var database = _db.Open();
        var a = TempDatabase.Jobs(database, "a");
        var b = TempDatabase.Jobs(database, "b");
        await a.EnqueueAsync(1);
        await b.EnqueueAsync(2);

        (await a.ClaimAllAsync()).Numbers().Should().Equal(1);
        (await b.ClaimAllAsync()).Numbers().Should().Equal(2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SqliteStorageOptions.MaxBatchSizeLimit + 1)]
    public async Task A_claim_count_out_of_range_is_refused_at_the_call(int count)
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        var claim = () => jobs.ClaimAsync(count);

        claim.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task An_acknowledged_item_is_deleted()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];

        await jobs.AcknowledgeAsync(item);

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
        jobs.LeasedCount.Should().Be(0);
        jobs.GetStatistics().Acknowledged.Should().Be(1);
    }

    [Fact]
    public async Task An_item_of_a_key_waits_while_an_earlier_item_of_that_key_is_leased()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(new TestJob(1), "a");
        await jobs.EnqueueAsync(new TestJob(2), "b");
        await jobs.EnqueueAsync(new TestJob(3), "a");
        await jobs.EnqueueAsync(new TestJob(4));
        await jobs.EnqueueAsync(new TestJob(5), "b");

        var first = await jobs.ClaimAllAsync();
        first.Numbers().Should().Equal(1, 2, 4);

        await jobs.AcknowledgeAsync(first[0]);
        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(3);
        await jobs.AcknowledgeAsync(first[1]);
        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(5);
    }

    [Fact]
    public async Task An_item_of_a_key_waits_while_an_earlier_item_of_that_key_waits_for_its_retry_in_the_store()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(new TestJob(1), "a");
        await jobs.EnqueueAsync(new TestJob(2), "a");
        await jobs.EnqueueAsync(new TestJob(3));
        var a1 = (await jobs.ClaimAsync(1))[0];

        await jobs.RecordFailureAsync(a1, new TimeoutException("slow"), _db.Time.GetUtcNow().AddMinutes(1), DurableRetryPlacement.ReturnToStore);

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal([3], "2 must not overtake 1, which waits for its retry");
        _db.Time.Advance(TimeSpan.FromMinutes(1));
        var retried = (await jobs.ClaimAllAsync()).Should().ContainSingle().Subject;
        retried.Item.Number.Should().Be(1);
        retried.Attempts.Should().Be(1);
        await jobs.AcknowledgeAsync(retried);
        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(2);
    }

    [Fact]
    public async Task A_dead_lettered_item_no_longer_holds_up_its_key()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(new TestJob(1), "a");
        await jobs.EnqueueAsync(new TestJob(2), "a");
        var a1 = (await jobs.ClaimAllAsync()).Should().ContainSingle().Subject;

        await jobs.DeadLetterAsync(a1, new InvalidOperationException("poison"));

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(2);
    }

    [Fact]
    public async Task A_failure_returned_to_the_store_comes_back_when_due_with_its_attempt_and_error_stored()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];
        var failedAt = _db.Time.GetUtcNow();

        await jobs.RecordFailureAsync(item, new TimeoutException("gateway slow"), failedAt.AddSeconds(30), DurableRetryPlacement.ReturnToStore);

        jobs.LeasedCount.Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items WHERE attempts = 1 AND leased = 0 AND last_error_type = 'System.TimeoutException' AND last_error_message = 'gateway slow'")
            .Should().Be(1);
        _db.Time.Advance(TimeSpan.FromSeconds(29));
        (await jobs.ClaimAllAsync()).Should().BeEmpty("the retry is not due yet");
        (await jobs.CountAsync()).Should().Be(new DurableQueueCounts(Ready: 0, Waiting: 1, Leased: 0, DeadLetters: 0));

        _db.Time.Advance(TimeSpan.FromSeconds(1));
        var again = (await jobs.ClaimAllAsync()).Should().ContainSingle().Subject;
        again.Attempts.Should().Be(1);
        again.FirstFailedAt.Should().Be(failedAt);
        again.MessageId.Should().Be(item.MessageId);
        again.Redelivered.Should().BeFalse();
        item.Invoking(i => jobs.AcknowledgeAsync(i)).Should().Throw<InvalidOperationException>("the old lease ended when the item went back");
        await jobs.AcknowledgeAsync(again);
    }

    [Fact]
    public async Task A_failure_kept_by_the_consumer_keeps_the_lease_and_counts_the_attempt()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];

        await jobs.RecordFailureAsync(item, new TimeoutException("once"), _db.Time.GetUtcNow().AddSeconds(1), DurableRetryPlacement.KeepLease);

        item.Attempts.Should().Be(1);
        item.FirstFailedAt.Should().Be(_db.Time.GetUtcNow());
        jobs.LeasedCount.Should().Be(1);
        _db.Time.Advance(TimeSpan.FromSeconds(5));
        (await jobs.ClaimAllAsync()).Should().BeEmpty("the consumer holds it");
        await jobs.RecordFailureAsync(item, new TimeoutException("twice"), _db.Time.GetUtcNow(), DurableRetryPlacement.KeepLease);
        item.Attempts.Should().Be(2);
        await jobs.AcknowledgeAsync(item);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
        jobs.GetStatistics().FailedAttempts.Should().Be(2);
    }

    [Fact]
    public async Task A_released_item_is_handed_out_again_first_without_an_attempt_or_a_redelivery()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1, 2);
        var items = await jobs.ClaimAllAsync();

        await jobs.ReleaseAsync(items[0]);
        await jobs.EnqueueAsync(3);

        var again = await jobs.ClaimAllAsync();
        again.Numbers().Should().Equal(1, 3);
        again[0].Attempts.Should().Be(0);
        again[0].Redelivered.Should().BeFalse();
        jobs.GetStatistics().Released.Should().Be(1);
    }

    [Fact]
    public async Task Waiting_for_claimable_items_wakes_at_once_after_an_enqueue_and_remembers_it()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        (await jobs.ClaimAllAsync()).Should().BeEmpty();

        var waiting = jobs.WaitForClaimableAsync();
        waiting.IsCompleted.Should().BeFalse();
        await jobs.EnqueueAsync(1);
        await Wait.For(waiting, "the wake-up of the enqueue");

        await jobs.EnqueueAsync(2);
        await Wait.For(jobs.WaitForClaimableAsync(), "a wake-up that came while nobody waited");
    }

    [Fact]
    public async Task Waiting_for_claimable_items_wakes_when_a_retry_returned_to_the_store_is_due()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];
        await jobs.RecordFailureAsync(item, new TimeoutException(), _db.Time.GetUtcNow().AddMilliseconds(200), DurableRetryPlacement.ReturnToStore);
        await Wait.For(jobs.WaitForClaimableAsync(), "the wake-up of the returned item");
        (await jobs.ClaimAllAsync()).Should().BeEmpty();

        var waiting = jobs.WaitForClaimableAsync();
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(200));
        waiting.IsCompleted.Should().BeFalse();
        _db.Time.Advance(TimeSpan.FromMilliseconds(200));
        await Wait.For(waiting, "the retry's due time");

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(1);
    }

    [Fact]
    public async Task Waiting_can_be_cancelled()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var cancel = new CancellationTokenSource();

        var waiting = jobs.WaitForClaimableAsync(cancel.Token);
        await cancel.CancelAsync();

        await waiting.Invoking(w => w).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_second_ending_outcome_is_refused_at_the_call()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];
        await jobs.AcknowledgeAsync(item);

        jobs.Invoking(j => j.AcknowledgeAsync(item)).Should().Throw<InvalidOperationException>().WithMessage("The lease of item * has already ended*");
        jobs.Invoking(j => j.DeadLetterAsync(item, new InvalidOperationException())).Should().Throw<InvalidOperationException>();
        jobs.Invoking(j => j.ReleaseAsync(item)).Should().Throw<InvalidOperationException>();
        jobs.Invoking(j => j.RecordFailureAsync(item, new InvalidOperationException(), default, DurableRetryPlacement.KeepLease))
            .Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public async Task An_outcome_while_another_is_being_written_is_refused_and_the_item_stays_leased_if_the_write_fails()
    {
        await using var database = _db.Open(o => o.BusyTimeout = TimeSpan.FromMilliseconds(1));
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];
        using var blocker = _db.Connect();
        var hold = blocker.BeginTransaction();

        var ack = jobs.AcknowledgeAsync(item).AsTask();
        jobs.Invoking(j => j.ReleaseAsync(item)).Should().Throw<InvalidOperationException>().WithMessage("Another outcome for item * is being written*");
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(1));
        _db.Time.Advance(TimeSpan.FromMilliseconds(1));
        await ack.Invoking(a => a).Should().ThrowAsync<TimeoutException>();

        hold.Rollback();
        hold.Dispose();
        await jobs.AcknowledgeAsync(item);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
    }

    [Fact]
    public async Task Outcomes_check_their_arguments_at_the_call()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        var other = TempDatabase.Jobs(database, "other");
        await other.EnqueueAsync(1);
        var foreign = (await other.ClaimAsync(1))[0];

        jobs.Invoking(j => j.AcknowledgeAsync(null!)).Should().Throw<ArgumentNullException>();
        jobs.Invoking(j => j.AcknowledgeAsync(foreign)).Should().Throw<ArgumentException>().WithMessage("Item * was handed out by another store*");
        other.Invoking(j => j.DeadLetterAsync(foreign, null!)).Should().Throw<ArgumentNullException>();
        other.Invoking(j => j.RecordFailureAsync(foreign, null!, default, DurableRetryPlacement.KeepLease)).Should().Throw<ArgumentNullException>();
        other.Invoking(j => j.RecordFailureAsync(foreign, new InvalidOperationException(), default, (DurableRetryPlacement)9))
            .Should().Throw<ArgumentOutOfRangeException>();

        await other.AcknowledgeAsync(foreign);
    }

    [Fact]
    public async Task An_outcome_for_a_row_deleted_behind_the_stores_back_fails_that_call_only()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1, 2);
        var items = await jobs.ClaimAllAsync();
        _db.Execute($"DELETE FROM eventbus_items WHERE id = {items[0].Id}");

        await jobs.Invoking(j => j.AcknowledgeAsync(items[0]).AsTask()).Should().ThrowAsync<InvalidOperationException>()
            .WithMessage("Item * is no longer in the database*");
        await jobs.AcknowledgeAsync(items[1]);
        jobs.LeasedCount.Should().Be(0);
    }
}
