using System.Collections.Concurrent;
using EventBus.Sqlite.CrashPeer;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>The crash peer's queue (its plan, capacity and workers) in this process, on the system clock, with no crash.</summary>
public sealed class WithoutCrashTests : IDisposable
{
    private const int Producers = 4;
    private const int PerProducer = 250;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Four_producers_and_two_workers_process_each_item_exactly_once_and_each_key_in_order()
    {
        var handled = new ConcurrentDictionary<long, int>();
        var order = new ConcurrentQueue<(string Key, long Number)>();
        var ids = new ConcurrentDictionary<Guid, long>();
        var all = new Countdown(Producers * PerProducer);
        var queue = SqliteWorkQueue.Create<CrashItem>(
            (item, context) =>
            {
                if (handled.AddOrUpdate(item.Number, 1, static (_, n) => n + 1) == 1)
                {
                    all.Signal();
                }

                ids[context.Id] = item.Number;
                if (CrashPlan.PartitionKey(item) is { } key)
                {
                    order.Enqueue((key, item.Number));
                }
            },
            CrashPlan.Persistence(_db.Path),
            CrashPlan.Options());
        await using (queue)
        {
            queue.WorkerCount.Should().Be(2);
            await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    // Numbers avoid the crash plan's failing ones: here every item succeeds first time.
                    var number = 1_000_000 + (p * 10_000) + (i * 10);
                    await queue.EnqueueAsync(new CrashItem(number, p));
                }
            })));
            await all.WaitAsync("every item handled");

            var result = await queue.CompleteAsync();
            result.Completed.Should().BeTrue();
            result.Delivered.Should().Be(Producers * PerProducer);
            queue.GetStatistics().ShouldBalance(Producers * PerProducer);
            queue.Consumer.Accepted.Should().Be(Producers * PerProducer, "the feeder offered each row to the engine once");
            var stats = queue.Store.GetStatistics();
            stats.Enqueued.Should().Be(Producers * PerProducer);
            stats.Claimed.Should().Be(Producers * PerProducer, "no item was handed out twice");
        }

        handled.Should().HaveCount(Producers * PerProducer);
        handled.Values.Should().OnlyContain(n => n == 1, "no item was handled twice");
        ids.Should().HaveCount(Producers * PerProducer, "each item's context id is its own message id");
        foreach (var key in order.GroupBy(o => o.Key))
        {
            key.Select(o => o.Number).Should().BeInAscendingOrder($"key {key.Key} is handled in its producer's order");
        }

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0, "every acknowledged row is deleted");
        _db.Scalar("SELECT COUNT(*) FROM eventbus_dead_letters").Should().Be(0);
    }

    [Fact]
    public async Task With_retries_and_poison_items_every_item_is_processed_once_or_dead_lettered_once()
    {
        var numbers = Enumerable.Range(1, 300).Select(n => (long)n).ToArray();
        var poison = numbers.Where(CrashPlan.IsPoison).ToArray();
        var succeeded = new ConcurrentDictionary<long, int>();
        var attemptAtSuccess = new ConcurrentDictionary<long, int>();
        var successes = new Countdown(numbers.Length - poison.Length);
        var queue = SqliteWorkQueue.Create<CrashItem>(
            (item, context) =>
            {
                CrashPlan.Attempt(item, context);
                succeeded.AddOrUpdate(item.Number, 1, static (_, n) => n + 1);
                attemptAtSuccess[item.Number] = context.DeliveryAttempt;
                successes.Signal();
            },
            CrashPlan.Persistence(_db.Path),
            CrashPlan.Options());
        await using (queue)
        {
            foreach (var number in numbers)
            {
                await queue.EnqueueAsync(new CrashItem(number, 0));
            }

            await successes.WaitAsync("the items that succeed");

            // Poison items end as dead letters: a count with no signal of its own.
            await Wait.Until(() => queue.Store.GetStatistics().DeadLettered == poison.Length, "every poison item dead-lettered in the file");
            var result = await queue.CompleteAsync();
            result.DeadLettered.Should().Be(poison.Length);
            queue.GetStatistics().ShouldBalance(numbers.Length);

            var letters = await queue.ReadDeadLettersAsync(1000);
            letters.Select(l => System.Text.Json.JsonSerializer.Deserialize(l.Payload, CrashJson.Default.CrashItem)!.Number).Should().BeEquivalentTo(poison);
            letters.Should().OnlyContain(l => l.Attempts == CrashPlan.MaxAttempts && l.ExceptionType == "System.InvalidOperationException"
                && l.Reason == SqliteDeadLetterReasons.HandlerFailed);
        }

        succeeded.Keys.Should().BeEquivalentTo(numbers.Except(poison));
        succeeded.Values.Should().OnlyContain(n => n == 1);
        attemptAtSuccess.Where(a => CrashPlan.FailsFirstAttempt(a.Key)).Should().OnlyContain(a => a.Value == 2, "their failed first attempt counts");
        attemptAtSuccess.Where(a => !CrashPlan.FailsFirstAttempt(a.Key)).Should().OnlyContain(a => a.Value == 1);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
    }
}
