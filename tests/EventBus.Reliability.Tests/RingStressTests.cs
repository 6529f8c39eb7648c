using System.Diagnostics;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 24 and 25: the engine's ring under many writers, for subscriptions and for competing workers.</summary>
public sealed class RingStressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario24_eight_publishers_to_sixteen_subscribers_deliver_every_event_once_in_each_publishers_order()
    {
        const int publishers = 8;
        const int subscribers = 16;
        const int perPublisher = 125_000;
        await using var bus = EventBusFactory.Create();

        // Each subscription has one worker, so its row is written by one thread at a time: plain arrays suffice.
        var next = new int[subscribers][];
        var outOfOrder = new int[subscribers];
        var done = new Countdown(subscribers * publishers);
        for (var s = 0; s < subscribers; s++)
        {
            var row = next[s] = new int[publishers];
            var subscriber = s;
            bus.Subscribe<Ping>(
                ping =>
                {
                    if (ping.Sequence != row[ping.Publisher])
                    {
                        outOfOrder[subscriber]++;
                    }

                    row[ping.Publisher] = ping.Sequence + 1;
                    if (ping.Sequence == perPublisher - 1)
                    {
                        done.Signal();
                    }
                },
                new SubscriptionOptions { Capacity = 256 });
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await bus.PublishAsync(new Ping(p, i));
            }
        })));

        await done.WaitAsync("every subscriber to receive every publisher's last event");
        var result = await bus.CompleteAsync();
        clock.Stop();

        outOfOrder.Should().OnlyContain(count => count == 0, "each subscriber sees each publisher's events in publication order, none twice and none skipped");
        next.SelectMany(row => row).Should().OnlyContain(seen => seen == perPublisher, "each subscriber saw each publisher's every event");
        result.Delivered.Should().Be((long)publishers * perPublisher * subscribers);
        result.Dropped.Should().Be(0);
        output.WriteLine($"scenario 24: {publishers} publishers x {perPublisher} events x {subscribers} subscribers (capacity 256, Wait): " +
            $"{result.Delivered} deliveries in order, 0 lost, 0 duplicated, {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Scenario25_eight_producers_to_four_workers_hand_each_item_to_exactly_one_worker()
    {
        const int producers = 8;
        const int perProducer = 125_000;
        var handled = new int[producers * perProducer];
        var done = new Countdown(handled.Length);
        await using var queue = WorkQueue.Create<int>(
            id =>
            {
                Interlocked.Increment(ref handled[id]);
                done.Signal();
            },
            new WorkQueueOptions<int> { WorkerCount = 4, Capacity = 256 });

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                await queue.EnqueueAsync((p * perProducer) + i);
            }
        })));

        await done.WaitAsync("every item");
        var result = await queue.CompleteAsync();
        clock.Stop();

        handled.Should().OnlyContain(count => count == 1, "every enqueued item is handled by exactly one worker, once");
        result.Delivered.Should().Be(handled.Length);
        output.WriteLine($"scenario 25: {producers} producers x {perProducer} items, 4 workers (capacity 256): each handled once, {clock.Elapsed.TotalSeconds:F1} s");
    }
}
