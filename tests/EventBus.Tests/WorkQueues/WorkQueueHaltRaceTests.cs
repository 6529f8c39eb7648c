using System.Collections.Concurrent;

namespace EventBus.Tests.WorkQueues;

/// <summary>
/// A halt (Dispose) that lands while workers are busy must settle each accepted item exactly once:
/// processed by its worker, or claimed and handed back by the halt, never both and never neither.
/// The workers settle ownership with the halt without a locked instruction per item (see
/// QueueWorker), so this runs the race many times with random timing.
/// </summary>
public sealed class WorkQueueHaltRaceTests
{
    [Fact]
    public async Task Dispose_racing_with_busy_workers_settles_every_accepted_item_exactly_once()
    {
        var random = new Random(1234);
        for (var run = 0; run < 300; run++)
        {
            await RunOnceAsync(workers: 1 + (run % 3), disposeAfterSpins: random.Next(0, 20_000));
        }
    }

    private static async Task RunOnceAsync(int workers, int disposeAfterSpins)
    {
        var handled = new ConcurrentDictionary<int, byte>();
        var reported = new ConcurrentBag<int>();
        var queue = WorkQueue.Create<int>(
            item => handled.TryAdd(item, 0).Should().BeTrue("no item is handed to a handler twice"),
            new WorkQueueOptions<int>
            {
                WorkerCount = workers,
                Capacity = 64,
                Shared = new EventBusOptions { OnDropped = drop => reported.Add((int)drop.Event!) },
            });

        var accepted = new ConcurrentBag<int>();
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                try
                {
                    if (queue.TryEnqueue(i))
                    {
                        accepted.Add(i);
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        });

        Thread.SpinWait(disposeAfterSpins);
        queue.Dispose();
        await producer.WaitAsync(TimeSpan.FromSeconds(30));

        // Workers that read an item just before the halt hand it back themselves, shortly after.
        var expected = accepted.Count;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        WorkQueueStatistics statistics;
        while (true)
        {
            statistics = queue.GetStatistics();
            if (statistics.Processed + statistics.Abandoned >= expected || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(10);
        }

        await Task.Delay(20);
        statistics = queue.GetStatistics();
        statistics.Processed.Should().Be(expected - statistics.Abandoned, "every accepted item is processed or abandoned, once");
        reported.Should().OnlyHaveUniqueItems().And.HaveCount((int)statistics.Abandoned, "each abandoned item is reported once");
        var acceptedSet = accepted.ToHashSet();
        reported.Where(item => !acceptedSet.Contains(item)).Should().BeEmpty("only accepted items are handed back");
        acceptedSet.ExceptWith(reported);
        acceptedSet.Where(item => !handled.ContainsKey(item)).Should().BeEmpty("an item not handed back was handled");
    }
}
