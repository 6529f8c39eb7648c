using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

public sealed class WorkQueueDrainTests : WorkQueueTestBase
{
    [Fact]
    public async Task CompleteAsync_finishes_every_accepted_item_including_one_waiting_for_its_retry()
    {
        var backoff = TimeSpan.FromSeconds(5);
        var attempts = 0;
        var processed = new Recorder<int>(50);
        var others = new Countdown(49);
        var queue = Track(WorkQueue.Create<Ping>(async (ping, _) =>
        {
            await Task.Yield();
            if (ping.Sequence == 0 && Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("transient");
            }

            processed.Record(ping.Sequence);
            if (ping.Sequence != 0)
            {
                others.Signal();
            }
        }, Options<Ping>(o => { o.WorkerCount = 2; o.RetryPolicy = FixedRetries(3, backoff); })));

        for (var i = 0; i < 50; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Time.WaitForTimerAsync(backoff);
        var drain = queue.CompleteAsync().AsTask();
        var afterClose = async () => await queue.EnqueueAsync(new Ping(0, 99));
        await afterClose.Should().ThrowAsync<ObjectDisposedException>();

        // The retry keeps the drain open until the clock lets it run.
        await others.WaitAsync("the other items");
        drain.IsCompleted.Should().BeFalse("item 0 is still waiting for its retry");
        Time.Advance(backoff);

        var result = await Wait.For(drain, "the drain");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(50);
        result.Abandoned.Should().Be(0);
        result.AbandonedItems.Should().BeEmpty();
        processed.Items.Should().BeEquivalentTo(Enumerable.Range(0, 50));
        (await queue.CompleteAsync()).Should().BeSameAs(result, "CompleteAsync is idempotent");
    }

    [Fact]
    public async Task A_hung_handler_does_not_hold_the_drain_past_its_deadline_and_abandoned_items_are_handed_back()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Track(WorkQueue.Create<Ping>(async (_, _) =>
        {
            started.TrySetResult();
            await hung.Task; // ignores its cancellation token on purpose
        }, Options<Ping>(o => { o.WorkerCount = 1; o.Name = "stuck"; })));
        for (var i = 0; i < 5; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Wait.For(started.Task, "the hung handler");
        using var deadline = new CancellationTokenSource();
        var drain = queue.CompleteAsync(deadline.Token);
        deadline.Cancel();
        var result = await Wait.For(drain, "the drain after its deadline");

        result.Completed.Should().BeFalse();
        result.Abandoned.Should().Be(5);
        result.Delivered.Should().Be(0);
        result.AbandonedItems.Select(p => p.Sequence).Should().BeEquivalentTo(Enumerable.Range(0, 5));
        Drops.Should().HaveCount(5).And.OnlyContain(d => d.Reason == DropReason.Abandoned && d.Source == "stuck");
        queue.Count.Should().Be(0);

        hung.SetResult();
        queue.GetStatistics().Should().Be(new WorkQueueStatistics(0, 0, 0, 0, 0, Abandoned: 5),
            "the item handed back at the deadline is not counted again when its handler finally returns");
    }

    [Fact]
    public async Task At_the_deadline_items_waiting_for_a_retry_and_buffered_items_are_abandoned_too()
    {
        var backoff = TimeSpan.FromSeconds(5);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Track(WorkQueue.Create<Ping>(async (ping, cancellationToken) =>
        {
            if (ping.Sequence == 0)
            {
                throw new InvalidOperationException("retry me");
            }

            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken); // honours cancellation
        }, Options<Ping>(o => { o.WorkerCount = 1; o.RetryPolicy = FixedRetries(3, backoff); })));
        for (var i = 0; i < 4; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Time.WaitForTimerAsync(backoff);
        await Wait.For(started.Task, "the blocking handler");
        using var deadline = new CancellationTokenSource();
        var drain = queue.CompleteAsync(deadline.Token);
        deadline.Cancel();
        var result = await Wait.For(drain, "the drain");

        result.Abandoned.Should().Be(4, "one waiting for its retry, one running, two buffered");
        result.AbandonedItems.Select(p => p.Sequence).Should().BeEquivalentTo([0, 1, 2, 3]);
        queue.GetStatistics().DeadLettered.Should().Be(0, "a handler cancelled by the deadline has not failed");
        Time.Advance(backoff);
        queue.GetStatistics().Abandoned.Should().Be(4, "the cancelled retry timer does not bring the item back");
    }

    [Fact]
    public async Task Dispose_stops_at_once_and_hands_every_item_back()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = WorkQueue.Create<Ping>(async (_, cancellationToken) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }, Options<Ping>(o => o.WorkerCount = 1));
        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Wait.For(started.Task, "the running handler");
        queue.Dispose();

        var result = await Wait.For(queue.CompleteAsync(), "the result of the dispose");
        result.Completed.Should().BeFalse();
        result.AbandonedItems.Select(p => p.Sequence).Should().BeEquivalentTo([0, 1, 2]);
        Drops.Should().HaveCount(3).And.OnlyContain(d => d.Reason == DropReason.Abandoned);
    }

    [Fact]
    public async Task DisposeAsync_drains_what_was_accepted()
    {
        var processed = new Recorder<int>();
        var queue = WorkQueue.Create<Ping>(async (ping, _) =>
        {
            await Task.Yield();
            processed.Record(ping.Sequence);
        }, Options<Ping>(o => o.WorkerCount = 3));
        for (var i = 0; i < 300; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Wait.For(queue.DisposeAsync(), "the drain of DisposeAsync");
        processed.Items.Should().BeEquivalentTo(Enumerable.Range(0, 300));
        queue.GetStatistics().Processed.Should().Be(300);
        await queue.DisposeAsync();
        queue.Dispose();
    }

    [Fact]
    public async Task A_handler_may_complete_its_own_queue_without_deadlocking()
    {
        WorkQueue<Ping>? queue = null;
        var drained = new TaskCompletionSource<WorkQueueDrainResult<Ping>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = new Recorder<int>();
        queue = Track(WorkQueue.Create<Ping>(async (ping, cancellationToken) =>
        {
            if (ping.Sequence == 0)
            {
                drained.SetResult(await queue!.CompleteAsync(cancellationToken));
            }

            processed.Record(ping.Sequence);
        }, Options<Ping>(o => o.WorkerCount = 2)));

        await queue.EnqueueAsync(new Ping(0, 0));
        var result = await Wait.For(drained.Task, "a drain awaited inside the queue's own handler");

        result.Completed.Should().BeTrue();
        processed.Items.Should().Equal(0);
    }
}
