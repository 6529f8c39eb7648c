using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

public sealed class PartitionedWorkQueueTests : WorkQueueTestBase
{
    public sealed record Order(int Customer, int Sequence);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Items_of_one_key_run_one_at_a_time_in_enqueue_order_under_concurrency_and_retries(int seed)
    {
        const int producers = 4;
        const int keys = 64;
        const int perKey = 150;
        const int failingAttempts = 3; // attempts 0..2 may fail; the 4th always succeeds, so nothing is dead-lettered
        var random = new Random(seed);
        var fails = new bool[keys, perKey, failingAttempts];
        long expectedFailures = 0;
        for (var k = 0; k < keys; k++)
        {
            for (var s = 0; s < perKey; s++)
            {
                for (var a = 0; a < failingAttempts; a++)
                {
                    fails[k, s, a] = random.NextDouble() < 0.25;
                }

                for (var a = 0; a < failingAttempts && fails[k, s, a]; a++)
                {
                    expectedFailures++;
                }
            }
        }

        var attempts = new int[keys, perKey];
        var running = new int[keys];
        var overlaps = 0;
        var completedInOrder = new ConcurrentQueue<int>[keys];
        for (var k = 0; k < keys; k++)
        {
            completedInOrder[k] = new ConcurrentQueue<int>();
        }

        var done = new Countdown(keys * perKey);
        var queue = Track(WorkQueue.Create<Order>(async (order, _) =>
        {
            if (Interlocked.Increment(ref running[order.Customer]) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            try
            {
                if ((order.Sequence & 3) == 0)
                {
                    await Task.Yield();
                }

                var attempt = Interlocked.Increment(ref attempts[order.Customer, order.Sequence]) - 1;
                if (attempt < failingAttempts && fails[order.Customer, order.Sequence, attempt])
                {
                    throw new InvalidOperationException("transient");
                }

                completedInOrder[order.Customer].Enqueue(order.Sequence);
            }
            finally
            {
                Interlocked.Decrement(ref running[order.Customer]);
            }

            done.Signal();
        }, Options<Order>(o =>
        {
            o.WorkerCount = 4;
            o.Capacity = 64;
            o.RetryPolicy = NoDelayRetries(failingAttempts);
        }).PartitionBy(order => order.Customer)));

        // Each producer owns the keys k ≡ p (mod 4), so its enqueue order is each of its keys' order.
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var s = 0; s < perKey; s++)
            {
                for (var k = p; k < keys; k += producers)
                {
                    await queue.EnqueueAsync(new Order(k, s));
                }
            }
        })));

        await done.WaitAsync("every order");
        var result = await Wait.For(queue.CompleteAsync(), "the drain");

        Volatile.Read(ref overlaps).Should().Be(0, "two items of one key never run at the same time");
        for (var k = 0; k < keys; k++)
        {
            completedInOrder[k].Should().Equal(Enumerable.Range(0, perKey), "key {0} completes in enqueue order despite retries", k);
        }

        var stats = queue.GetStatistics();
        stats.Processed.Should().Be(keys * perKey);
        stats.FailedAttempts.Should().Be(expectedFailures);
        stats.Retried.Should().Be(expectedFailures);
        stats.DeadLettered.Should().Be(0);
        result.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task A_retrying_item_holds_its_key_while_other_keys_go_on()
    {
        var backoff = TimeSpan.FromSeconds(5);
        var attemptsOfFirst = 0;
        var processed = new ConcurrentQueue<string>();
        var otherKey = new Countdown(10);
        var all = new Countdown(13);
        var queue = Track(WorkQueue.Create<(string Key, int Sequence)>(item =>
        {
            if (item is ("A", 0) && Interlocked.Increment(ref attemptsOfFirst) == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            processed.Enqueue($"{item.Key}{item.Sequence}");
            if (item.Key == "B")
            {
                otherKey.Signal();
            }

            all.Signal();
        }, Options<(string Key, int Sequence)>(o =>
        {
            o.WorkerCount = 2;
            o.RetryPolicy = FixedRetries(1, backoff);
        }).PartitionBy(item => item.Key, StringComparer.Ordinal)));

        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(("A", i));
        }

        for (var i = 0; i < 10; i++)
        {
            await queue.EnqueueAsync(("B", i));
        }

        await otherKey.WaitAsync("key B, with the clock stopped");
        await Time.WaitForTimerAsync(backoff);
        processed.Should().NotContain(["A0", "A1", "A2"], "A0 waits for its retry and holds key A");
        queue.Count.Should().Be(3);

        Time.Advance(backoff);
        await all.WaitAsync("key A after the retry");
        processed.Where(p => p[0] == 'A').Should().Equal("A0", "A1", "A2");
        processed.Where(p => p[0] == 'B').Should().Equal(Enumerable.Range(0, 10).Select(i => $"B{i}"));
    }

    [Fact]
    public async Task Different_keys_run_in_parallel()
    {
        var firstKeyStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondKeyDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Track(WorkQueue.Create<Order>(async (order, _) =>
        {
            if (order.Customer == 1)
            {
                firstKeyStarted.SetResult();
                await secondKeyDone.Task; // finishes only if key 2 runs meanwhile
            }
            else
            {
                secondKeyDone.SetResult();
            }
        }, Options<Order>(o => o.WorkerCount = 2).PartitionBy(order => order.Customer)));

        await queue.EnqueueAsync(new Order(1, 0));
        await Wait.For(firstKeyStarted.Task, "key 1");
        await queue.EnqueueAsync(new Order(2, 0));

        var result = await Wait.For(queue.CompleteAsync(), "both keys");
        result.Delivered.Should().Be(2);
    }
}
