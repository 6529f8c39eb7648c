using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

public sealed class BatchWorkQueueTests : WorkQueueTestBase
{
    private readonly ConcurrentQueue<int[]> _batches = new();

    private int[][] Batches => [.. _batches];

    private Func<IReadOnlyList<Ping>, CancellationToken, ValueTask> Recording(Countdown? items = null, Func<IReadOnlyList<Ping>, bool>? fails = null) =>
        (batch, _) =>
        {
            // The list is pooled: copy what the test needs before returning.
            var copy = batch.Select(p => p.Sequence).ToArray();
            _batches.Enqueue(copy);
            if (fails?.Invoke(batch) == true)
            {
                throw new InvalidOperationException($"batch of {copy.Length} failed");
            }

            for (var i = 0; i < copy.Length; i++)
            {
                items?.Signal();
            }

            return default;
        };

    [Fact]
    public async Task A_full_batch_is_handed_over_at_once_and_a_partial_one_only_when_its_linger_passes()
    {
        var linger = TimeSpan.FromSeconds(1);
        var firstBatch = new Countdown(1);
        var secondBatch = new Countdown(2);
        var record = Recording();
        var queue = Track(WorkQueue.CreateBatched<Ping>(async (batch, cancellationToken) =>
        {
            await record(batch, cancellationToken);
            firstBatch.Signal();
            secondBatch.Signal();
        }, Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 10;
            o.MaxBatchDelay = linger;
        })));

        for (var i = 0; i < 10; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await firstBatch.WaitAsync("a full batch, with the clock stopped");
        Batches.Should().ContainSingle().Which.Should().Equal(Enumerable.Range(0, 10));

        // The handler signals before it returns; the queue releases the batch's items just after.
        await Wait.Until(() => queue.GetStatistics().Processed == 10, "the first batch's items are released");

        // The first batch may have lingered a moment before it filled: count its timer out.
        var lingersBefore = Time.CreatedTimers.Count(t => t == linger);
        for (var i = 10; i < 13; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Time.WaitForTimerAsync(linger, lingersBefore + 1);
        Batches.Should().HaveCount(1, "three items wait for the linger, not for a worker");
        queue.Count.Should().Be(3);

        Time.Advance(linger);
        await secondBatch.WaitAsync("the partial batch after its linger");
        Batches.Should().HaveCount(2);
        Batches[1].Should().Equal(10, 11, 12);
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task A_halt_leaves_no_queued_batch_in_the_count(HandlerKind kind)
    {
        // One worker holds the first batch; the next waits in the ready line, the rest in the buffer. The halt
        // loses the waiting batch: its items must leave the queue's count with it.
        var handler = new ProbeHandler(kind, item => item == 0);
        var queue = Track(WorkQueue.CreateBatched<int>(handler.HandleBatchAsync, Options<int>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 2;
            o.MaxBatchDelay = TimeSpan.Zero;
            o.RetryPolicy = RetryPolicy.None;

            // Dispose waits this long (real clock) for a claimed call that ignores its token.
            o.Shared.DrainTimeout = TimeSpan.FromSeconds(2);
        })));
        for (var i = 0; i < 8; i++)
        {
            await queue.EnqueueAsync(i);
        }

        await Wait.For(handler.HeldStarted, "the first batch's handler");
        await Wait.Until(() => queue.Count == 6, "the queued batch and the buffered items");

        await Wait.For(Task.Run(queue.Dispose), "Dispose");
        handler.StopReturned();
        handler.Release();
        var result = await Wait.For(queue.CompleteAsync(), "the stopped queue's result");
        await Wait.Until(() => handler.Running == 0, "the held handler to return");

        queue.Count.Should().Be(0, "nothing waits in a stopped queue");
        result.ShouldBalance(8);
        queue.GetStatistics().ShouldBalance(8);
    }

    [Fact]
    public async Task Items_beyond_a_full_batch_start_the_next_batch()
    {
        var linger = TimeSpan.FromSeconds(1);
        var items = new Countdown(25);
        var queue = Track(WorkQueue.CreateBatched(Recording(items), Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 10;
            o.MaxBatchDelay = linger;
        })));

        for (var i = 0; i < 25; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Wait.For(queue.CompleteAsync(), "the drain, which does not wait for the linger");
        await items.WaitAsync("all items");
        Batches.Select(b => b.Length).Should().Equal(10, 10, 5);
        Batches.SelectMany(b => b).Should().Equal(Enumerable.Range(0, 25));
    }

    [Fact]
    public async Task A_failed_batch_is_retried_as_a_batch_then_split_so_only_the_poison_item_is_dead_lettered()
    {
        var items = new Countdown(4);
        var deadLettered = new Countdown(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.CreateBatched(Recording(items, fails: batch => batch.Any(p => p.Sequence == 3)), Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 5;
            o.MaxBatchDelay = TimeSpan.FromHours(1);
            o.RetryPolicy = NoDelayRetries(2);
        })));

        for (var i = 0; i < 5; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await items.WaitAsync("the healthy items");
        await deadLettered.WaitAsync("the poison item");

        int[] all = [0, 1, 2, 3, 4];
        Batches.Should().BeEquivalentTo(
            new[] { all, all, all, [0], [1], [2], [3], [4] },
            o => o.WithStrictOrdering(),
            "the batch is tried three times, then each item alone");
        var letter = DeadLetters.ToList().Should().ContainSingle().Subject;
        letter.Message.Should().Be(new Ping(0, 3));
        letter.Attempts.Should().Be(4, "three batch attempts and one alone");
        queue.GetStatistics().Should().Be(new WorkQueueStatistics(Processed: 4, FailedAttempts: 4, Retried: 2, DeadLettered: 1, Dropped: 0, Abandoned: 0));
    }

    [Fact]
    public async Task A_batch_waiting_for_its_retry_does_not_hold_up_the_next_batches()
    {
        var backoff = TimeSpan.FromSeconds(5);
        var attemptsOfFirst = 0;
        var later = new Countdown(6);
        var all = new Countdown(9);
        var queue = Track(WorkQueue.CreateBatched<Ping>(batch =>
        {
            if (batch[0].Sequence == 0 && Interlocked.Increment(ref attemptsOfFirst) == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            foreach (var ping in batch)
            {
                if (ping.Sequence >= 3)
                {
                    later.Signal();
                }

                all.Signal();
            }
        }, Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 3;
            o.MaxBatchDelay = TimeSpan.FromHours(1);
            o.RetryPolicy = FixedRetries(1, backoff);
        })));

        for (var i = 0; i < 9; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await later.WaitAsync("the batches behind the failed one, with the clock stopped");
        await Time.WaitForTimerAsync(backoff);
        Time.Advance(backoff);
        await all.WaitAsync("the retried batch");
        queue.GetStatistics().Processed.Should().Be(9);
    }

    [Fact]
    public async Task Completing_the_queue_hands_over_a_lingering_batch_at_once()
    {
        var linger = TimeSpan.FromHours(1);
        var items = new Countdown(3);
        var queue = Track(WorkQueue.CreateBatched(Recording(items), Options<Ping>(o =>
        {
            o.MaxBatchSize = 100;
            o.MaxBatchDelay = linger;
        })));

        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await Time.WaitForTimerAsync(linger);
        var result = await Wait.For(queue.CompleteAsync(), "the drain, with the clock stopped");

        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(3);
        Batches.Should().ContainSingle().Which.Should().Equal(0, 1, 2);
    }

    [Fact]
    public async Task AtMostOnce_gives_up_every_item_of_a_failed_batch_without_retrying_or_splitting()
    {
        var deadLettered = new Countdown(3);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.CreateBatched(Recording(fails: _ => true), Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.MaxBatchSize = 3;
            o.MaxBatchDelay = TimeSpan.FromHours(1);
            o.Guarantee = DeliveryGuarantee.AtMostOnce;
        })));

        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await deadLettered.WaitAsync("the batch's dead letters");
        Batches.Should().ContainSingle("the handler is called at most once per item");
        DeadLetters.ToList().Select(l => ((Ping)l.Message).Sequence).Should().Equal(0, 1, 2);
        DeadLetters.ToList().Should().OnlyContain(l => l.Attempts == 1);
    }
}
