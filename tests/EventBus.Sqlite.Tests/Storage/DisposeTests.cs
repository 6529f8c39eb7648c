using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Storage;

/// <summary>The store's stop path, seen from callers that behave, callers that ignore the stop and keep
/// reporting, and callers whose continuation runs inline and calls back in.</summary>
public sealed class DisposeTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Dispose_commits_every_operation_handed_over_before_it_and_refuses_later_ones()
    {
        var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        var accepted = Enumerable.Range(1, 50).Select(n => jobs.EnqueueAsync(new TestJob(n)).AsTask()).ToArray();

        await database.DisposeAsync();

        await Wait.For(Task.WhenAll(accepted), "the enqueues accepted before the dispose");
        await jobs.Invoking(j => j.EnqueueAsync(new TestJob(51)).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(50);
    }

    [Fact]
    public async Task An_outcome_reported_after_the_stop_faults_and_the_item_is_redelivered_after_the_restart()
    {
        var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];

        // A handler that ignored the stop finishes later and reports.
        await database.DisposeAsync();
        await jobs.Invoking(j => j.AcknowledgeAsync(item).AsTask()).Should().ThrowAsync<ObjectDisposedException>();

        await using var reopened = _db.Open();
        var again = (await TempDatabase.Jobs(reopened).ClaimAllAsync()).Should().ContainSingle().Subject;
        again.Redelivered.Should().BeTrue("its handler may have run, and its acknowledgement never reached the disk");
    }

    [Fact]
    public async Task A_continuation_that_runs_inline_and_calls_back_in_does_not_run_on_the_writer()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        var writerThread = new TaskCompletionSource<string?>();

        // Blocking on a second store call from inside the first one's continuation deadlocks if the continuation
        // runs on the writer thread, which would then wait for itself.
        var chained = jobs.EnqueueAsync(new TestJob(1)).AsTask().ContinueWith(
            _ =>
            {
                writerThread.TrySetResult(Thread.CurrentThread.Name);
                jobs.EnqueueAsync(new TestJob(2)).AsTask().GetAwaiter().GetResult();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        await Wait.For(chained, "the chained enqueue");
        (await writerThread.Task).Should().NotBe("EventBus.Sqlite writer");
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(2);
    }

    [Fact]
    public async Task Disposing_from_a_continuation_of_the_stores_own_task_does_not_deadlock()
    {
        var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);

        var disposed = jobs.EnqueueAsync(new TestJob(1)).AsTask().ContinueWith(
            _ => database.Dispose(),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        await Wait.For(disposed, "the dispose");
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(1);
        using var reopened = _db.Open();
        reopened.Path.Should().Be(_db.Path, "the file was released");
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_releases_the_file()
    {
        var database = _db.Open();
        await database.DisposeAsync();
        await database.DisposeAsync();
        database.Dispose();

        await using var again = _db.Open();
        again.PendingOperations.Should().Be(0);
    }
}
