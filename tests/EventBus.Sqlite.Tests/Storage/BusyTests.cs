using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class BusyTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_busy_database_is_retried_with_doubling_pauses_and_counted()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        using var blocker = _db.Connect();
        using var hold = blocker.BeginTransaction();

        var enqueue = jobs.EnqueueAsync(new TestJob(1)).AsTask();
        foreach (var pause in new[] { 1, 2, 4, 8 })
        {
            await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(pause));
            enqueue.IsCompleted.Should().BeFalse();
            _db.Time.Advance(TimeSpan.FromMilliseconds(pause));
        }

        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(16));
        hold.Commit();
        _db.Time.Advance(TimeSpan.FromMilliseconds(16));
        await Wait.For(enqueue, "the enqueue after the lock was released");

        database.GetStatistics().BusyRetries.Should().Be(5);
        database.GetStatistics().BusyTimeouts.Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(1);
    }

    [Fact]
    public async Task A_database_busy_for_longer_than_the_busy_timeout_fails_the_operation_and_writes_nothing()
    {
        await using var database = _db.Open(o => o.BusyTimeout = TimeSpan.FromMilliseconds(3));
        var jobs = TempDatabase.Jobs(database);
        using var blocker = _db.Connect();
        var hold = blocker.BeginTransaction();

        var enqueue = jobs.EnqueueAsync(new TestJob(1)).AsTask();
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(1));
        _db.Time.Advance(TimeSpan.FromMilliseconds(1));
        await _db.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(2));
        _db.Time.Advance(TimeSpan.FromMilliseconds(2));

        (await enqueue.Invoking(t => t).Should().ThrowAsync<TimeoutException>())
            .WithMessage($"The queue database '{_db.Path}' stayed busy or locked by another connection for 0.003 s (3 tries;*Nothing of this operation was written.")
            .WithInnerException<Microsoft.Data.Sqlite.SqliteException>();
        database.GetStatistics().BusyTimeouts.Should().Be(1);
        database.GetStatistics().BusyRetries.Should().Be(3);

        hold.Rollback();
        hold.Dispose();
        await jobs.EnqueueAsync(new TestJob(2));
        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(2);
    }

    [Fact]
    public async Task A_zero_busy_timeout_fails_at_the_first_busy_answer()
    {
        await using var database = _db.Open(o => o.BusyTimeout = TimeSpan.Zero);
        var jobs = TempDatabase.Jobs(database);
        using var blocker = _db.Connect();
        using var hold = blocker.BeginTransaction();

        await jobs.Invoking(j => j.EnqueueAsync(new TestJob(1)).AsTask()).Should().ThrowAsync<TimeoutException>();

        database.GetStatistics().BusyRetries.Should().Be(1);
    }
}
