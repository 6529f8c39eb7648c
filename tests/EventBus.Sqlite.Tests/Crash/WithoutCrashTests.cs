using System.Collections.Concurrent;
using EventBus.Sqlite.CrashPeer;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>The store under the test driver in this process, on the system clock, with no crash.</summary>
public sealed class WithoutCrashTests : IDisposable
{
    private const int Producers = 4;
    private const int PerProducer = 250;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Four_producers_and_two_workers_process_each_item_exactly_once_and_each_key_in_order()
    {
        await using var database = SqliteQueueDatabase.Open(_db.Options());
        var queue = database.OpenQueue(CrashPlan.QueueName, CrashPlan.Format);
        var handled = new ConcurrentDictionary<long, int>();
        var order = new ConcurrentQueue<(string Key, long Number)>();
        var all = new Countdown(Producers * PerProducer);

        var driver = new StoreTestDriver<CrashItem>(
            queue,
            item =>
            {
                if (handled.AddOrUpdate(item.Item.Number, 1, static (_, n) => n + 1) == 1)
                {
                    all.Signal();
                }

                if (item.PartitionKey is { } key)
                {
                    order.Enqueue((key, item.Item.Number));
                }

                return ValueTask.CompletedTask;
            },
            workers: 2,
            capacity: 32,
            maxAttempts: 3,
            CrashPlan.RetryDelay,
            CrashPlan.Placement,
            TimeProvider.System);
        await using (driver)
        {
            await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    // Numbers avoid the crash plan's failing ones: here every item succeeds first time.
                    var number = 1_000_000 + (p * 10_000) + (i * 10);
                    await queue.EnqueueAsync(new CrashItem(number, p), CrashPlan.PartitionKey(number, p));
                }
            })));
            await Task.WhenAny(all.WaitAsync("every item handled"), driver.Faulted);
            await all.WaitAsync("every item handled");
        }

        handled.Should().HaveCount(Producers * PerProducer);
        handled.Values.Should().OnlyContain(n => n == 1, "no item was handled twice");
        foreach (var key in order.GroupBy(o => o.Key))
        {
            key.Select(o => o.Number).Should().BeInAscendingOrder($"key {key.Key} is handled in its producer's order");
        }

        (await queue.CountAsync()).Should().Be(new DurableQueueCounts(0, 0, 0, 0));
        var stats = queue.GetStatistics();
        stats.Enqueued.Should().Be(Producers * PerProducer);
        stats.Acknowledged.Should().Be(Producers * PerProducer);
        stats.Claimed.Should().Be(Producers * PerProducer, "no item was handed out twice");
    }

    [Fact]
    public async Task With_retries_and_poison_items_every_item_is_processed_once_or_dead_lettered_once()
    {
        await using var database = SqliteQueueDatabase.Open(_db.Options());
        var queue = database.OpenQueue(CrashPlan.QueueName, CrashPlan.Format);
        var numbers = Enumerable.Range(1, 300).Select(n => (long)n).ToArray();
        var poison = numbers.Where(CrashPlan.IsPoison).ToArray();
        var succeeded = new ConcurrentDictionary<long, int>();
        var attemptsAtSuccess = new ConcurrentDictionary<long, int>();
        var successes = new Countdown(numbers.Length - poison.Length);

        var driver = new StoreTestDriver<CrashItem>(
            queue,
            item =>
            {
                CrashPlan.Attempt(item);
                succeeded.AddOrUpdate(item.Item.Number, 1, static (_, n) => n + 1);
                attemptsAtSuccess[item.Item.Number] = item.Attempts;
                successes.Signal();
                return ValueTask.CompletedTask;
            },
            workers: 2,
            capacity: 16,
            CrashPlan.MaxAttempts,
            CrashPlan.RetryDelay,
            CrashPlan.Placement,
            TimeProvider.System);
        await using (driver)
        {
            foreach (var number in numbers)
            {
                await queue.EnqueueAsync(new CrashItem(number, 0), CrashPlan.PartitionKey(number, 0));
            }

            await Task.WhenAny(successes.WaitAsync("the items that succeed"), driver.Faulted);
            await successes.WaitAsync("the items that succeed");

            // Poison items end as dead letters: a count with no signal of its own.
            await Wait.Until(() => queue.GetStatistics().DeadLettered == poison.Length || driver.Faulted.IsCompleted, "every poison item dead-lettered");
            driver.Faulted.IsCompleted.Should().BeFalse();
        }

        succeeded.Keys.Should().BeEquivalentTo(numbers.Except(poison));
        succeeded.Values.Should().OnlyContain(n => n == 1);
        attemptsAtSuccess.Where(a => CrashPlan.FailsFirstAttempt(a.Key)).Should().OnlyContain(a => a.Value == 1, "their failed first attempt was recorded");
        var letters = await queue.ReadDeadLettersAsync();
        letters.Select(l => System.Text.Json.JsonSerializer.Deserialize(l.Payload, CrashJson.Default.CrashItem)!.Number).Should().BeEquivalentTo(poison);
        letters.Should().OnlyContain(l => l.Attempts == CrashPlan.MaxAttempts && l.ExceptionType == "System.InvalidOperationException");
        (await queue.CountAsync()).Pending.Should().Be(0);
    }
}
