using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;

namespace EventBus.Sqlite.Tests.Storage;

/// <summary>What the next open does with rows that were leased when the owner stopped without reporting on them.
/// Here the stop is a dispose with leases open (the rows are left exactly as a crash leaves them); the crash tests
/// kill a real process.</summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Rows_in_flight_at_a_stop_are_handed_out_again_with_their_attempts_kept_and_flagged_redelivered()
    {
        var start = _db.Time.GetUtcNow();
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            await jobs.EnqueueAsync(1, 2, 3, 4);
            var items = await jobs.ClaimAllAsync();
            // 1: waits on the consumer's timer for a retry a minute away. 2: its retry was due, so a handler may
            // have had it. 3: in a handler. 4: acknowledged.
            await jobs.RecordFailureAsync(items[0], new TimeoutException(), start.AddMinutes(1), DurableRetryPlacement.KeepLease);
            await jobs.RecordFailureAsync(items[1], new TimeoutException(), start, DurableRetryPlacement.KeepLease);
            await jobs.AcknowledgeAsync(items[3]);
        }

        _db.Time.Advance(TimeSpan.FromSeconds(1));
        await using var reopened = _db.Open();
        var again = TempDatabase.Jobs(reopened);

        again.Recovered.Should().Be(new RecoveredRows(InFlight: 3, Redelivered: 2));
        var handedOut = await again.ClaimAllAsync();
        handedOut.Numbers().Should().Equal(2, 3);
        handedOut.Select(i => (i.Attempts, i.Redelivered, i.Redeliveries)).Should().Equal((1, true, 1), (0, true, 1));

        _db.Time.Advance(TimeSpan.FromMinutes(1));
        var retry = (await again.ClaimAllAsync()).Should().ContainSingle().Subject;
        retry.Item.Number.Should().Be(1);
        retry.Attempts.Should().Be(1, "the recorded attempt is kept");
        retry.Redelivered.Should().BeFalse("it was waiting for its retry: no handler had it at the stop");
    }

    [Fact]
    public async Task Per_key_order_holds_across_a_restart()
    {
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            await jobs.EnqueueAsync(new TestJob(1), "a");
            await jobs.EnqueueAsync(new TestJob(2), "a");
            await jobs.EnqueueAsync(new TestJob(3), "a");
            (await jobs.ClaimAllAsync()).Numbers().Should().Equal(1);
        }

        await using var reopened = _db.Open();
        var again = TempDatabase.Jobs(reopened);
        var first = (await again.ClaimAllAsync()).Should().ContainSingle().Subject;
        first.Item.Number.Should().Be(1);
        first.Redelivered.Should().BeTrue();
        await again.AcknowledgeAsync(first);
        (await again.ClaimAllAsync()).Numbers().Should().Equal(2);
    }

    [Fact]
    public async Task A_retry_waiting_in_the_store_at_a_stop_still_waits_after_the_restart()
    {
        var start = _db.Time.GetUtcNow();
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            await jobs.EnqueueAsync(1);
            var item = (await jobs.ClaimAsync(1))[0];
            await jobs.RecordFailureAsync(item, new TimeoutException(), start.AddMinutes(5), DurableRetryPlacement.ReturnToStore);
        }

        await using var reopened = _db.Open();
        var again = TempDatabase.Jobs(reopened);

        again.Recovered.Should().Be(default(RecoveredRows), "the row was not leased");
        (await again.ClaimAllAsync()).Should().BeEmpty();
        _db.Time.Advance(TimeSpan.FromMinutes(5));
        var item2 = (await again.ClaimAllAsync()).Should().ContainSingle().Subject;
        item2.Attempts.Should().Be(1);
        item2.Redelivered.Should().BeFalse();
    }

    [Fact]
    public async Task Redeliveries_add_up_over_several_stops()
    {
        for (var stop = 0; stop < 3; stop++)
        {
            await using var database = _db.Open();
            var jobs = TempDatabase.Jobs(database);
            if (stop == 0)
            {
                await jobs.EnqueueAsync(1);
            }

            var item = (await jobs.ClaimAllAsync()).Should().ContainSingle().Subject;
            item.Redeliveries.Should().Be(stop);
        }
    }

    [Fact]
    public async Task Items_released_before_the_stop_are_not_flagged()
    {
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            await jobs.EnqueueAsync(1);
            await jobs.ReleaseAsync((await jobs.ClaimAllAsync())[0]);
        }

        await using var reopened = _db.Open();
        var again = TempDatabase.Jobs(reopened);
        again.Recovered.Should().Be(default(RecoveredRows));
        (await again.ClaimAllAsync()).Single().Redelivered.Should().BeFalse();
    }
}
