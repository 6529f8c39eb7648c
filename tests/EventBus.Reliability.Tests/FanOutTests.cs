using System.Collections.Concurrent;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 1, 3, 4 and 9: nothing lost, nothing duplicated, order kept, bounds respected.</summary>
public sealed class FanOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario01_fan_out_under_backpressure_loses_and_duplicates_nothing()
    {
        const int publishers = 4;
        const int subscribers = 6;
        const int perPublisher = 5_000;
        await using var bus = EventBusFactory.Create();
        var received = Enumerable.Range(0, subscribers).Select(_ => new ConcurrentBag<(int, int)>()).ToArray();
        var done = new Countdown(subscribers * publishers * perPublisher);
        for (var s = 0; s < subscribers; s++)
        {
            var bag = received[s];
            var seed = s;
            var random = new ThreadLocal<Random>(() => new Random(seed));
            bus.Subscribe<Ping>(async (ping, _) =>
            {
                // Random handler delays: most events are quick, some yield, a few spin.
                var roll = random.Value!.Next(100);
                if (roll < 10)
                {
                    await Task.Yield();
                }
                else if (roll < 12)
                {
                    Thread.SpinWait(2_000);
                }

                bag.Add((ping.Publisher, ping.Sequence));
                done.Signal();
            }, new SubscriptionOptions { Capacity = 16 });
        }

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await bus.PublishAsync(new Ping(p, i));
            }
        })));

        await done.WaitAsync("every delivery");
        var expected = Enumerable.Range(0, publishers).SelectMany(p => Enumerable.Range(0, perPublisher).Select(i => (p, i))).Order().ToList();
        foreach (var bag in received)
        {
            bag.Order().Should().Equal(expected, "each subscriber receives exactly the published multiset");
        }

        output.WriteLine($"scenario 1: {publishers} publishers x {perPublisher} events x {subscribers} subscribers (capacity 16): " +
            $"{subscribers * publishers * perPublisher} deliveries, 0 lost, 0 duplicated");
    }

    [Fact]
    public async Task Scenario03_sequential_subscribers_keep_each_publishers_order_and_parallel_ones_lose_nothing()
    {
        const int publishers = 3;
        const int perPublisher = 5_000;
        await using var bus = EventBusFactory.Create();
        var sequential = new ConcurrentQueue<Ping>();
        var parallel = new ConcurrentQueue<Ping>();
        var done = new Countdown(2 * publishers * perPublisher);
        bus.Subscribe<Ping>(ping => { sequential.Enqueue(ping); done.Signal(); }, new SubscriptionOptions { Capacity = 8 });
        bus.Subscribe<Ping>(async (ping, _) =>
        {
            await Task.Yield();
            parallel.Enqueue(ping);
            done.Signal();
        }, new SubscriptionOptions { Capacity = 8, MaxConcurrency = 4 });

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await bus.PublishAsync(new Ping(p, i));
            }
        })));

        await done.WaitAsync("all deliveries");
        for (var p = 0; p < publishers; p++)
        {
            var publisher = p;
            sequential.Where(e => e.Publisher == publisher).Select(e => e.Sequence).Should().Equal(Enumerable.Range(0, perPublisher));
        }

        // MaxConcurrency > 1 is documented as unordered: only the multiset is promised.
        parallel.OrderBy(p => (p.Publisher, p.Sequence)).Should().Equal(sequential.OrderBy(p => (p.Publisher, p.Sequence)));
        var inversions = Enumerable.Range(0, publishers).Sum(p =>
        {
            var seq = parallel.Where(e => e.Publisher == p).Select(e => e.Sequence).ToArray();
            return seq.Zip(seq.Skip(1)).Count(pair => pair.Second < pair.First);
        });
        output.WriteLine($"scenario 3: {publishers}x{perPublisher} events; sequential subscriber in order; parallel subscriber complete, {inversions} order inversions (allowed)");
    }

    [Fact]
    public async Task Scenario04_cancelled_waits_racing_with_publishes_account_for_every_event()
    {
        const int publishers = 4;
        const int perPublisher = 3_000;
        var drops = new ConcurrentQueue<DroppedEvent>();
        await using var bus = EventBusFactory.Create(new EventBusOptions { OnDropped = drops.Enqueue });
        var received = new ConcurrentQueue<Ping>();
        var subscription = bus.Subscribe<Ping>(async (ping, _) =>
        {
            await Task.Yield();
            received.Enqueue(ping);
        }, new SubscriptionOptions { Capacity = 4 });
        var accepted = new ConcurrentQueue<Ping>();
        var cancelled = 0;

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            var random = new Random(p);
            for (var i = 0; i < perPublisher; i++)
            {
                using var cts = new CancellationTokenSource();
                var ping = new Ping(p, i);
                var publish = bus.PublishAsync(ping, cts.Token);
                if (random.Next(3) == 0)
                {
                    await cts.CancelAsync();
                }

                try
                {
                    await publish;
                    accepted.Enqueue(ping);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
        })));

        var stillBuffered = subscription.PendingCount;
        var result = await bus.CompleteAsync();
        result.Completed.Should().BeTrue();
        received.OrderBy(p => (p.Publisher, p.Sequence)).Should().Equal(accepted.OrderBy(p => (p.Publisher, p.Sequence)),
            "received + buffered (now drained) = accepted, and nothing else arrives");
        drops.Should().BeEmpty();
        (accepted.Count + Volatile.Read(ref cancelled)).Should().Be(publishers * perPublisher);
        output.WriteLine($"scenario 4: {publishers * perPublisher} publishes, {cancelled} cancelled while waiting, {accepted.Count} accepted, " +
            $"{stillBuffered} still buffered when publishing ended, {received.Count} received after drain");
    }

    [Theory]
    [InlineData(BufferFullMode.DropOldest)]
    [InlineData(BufferFullMode.DropNewest)]
    [InlineData(BufferFullMode.DropWrite)]
    [InlineData(BufferFullMode.Fail)]
    public async Task Scenario09_bounded_buffers_never_exceed_capacity_and_each_drop_is_reported_once(BufferFullMode mode)
    {
        const int capacity = 8;
        const int publishers = 2;
        const int perPublisher = 20_000;
        var drops = new ConcurrentQueue<DroppedEvent>();
        await using var bus = EventBusFactory.Create(new EventBusOptions { OnDropped = drops.Enqueue });
        var received = new ConcurrentQueue<Ping>();
        var maxPending = 0;
        IEventSubscription? subscription = null;
        subscription = bus.Subscribe<Ping>(ping =>
        {
            var pending = subscription!.PendingCount;
            if (pending > Volatile.Read(ref maxPending))
            {
                Interlocked.Exchange(ref maxPending, pending);
            }

            received.Enqueue(ping);
            Thread.SpinWait(50);
        }, new SubscriptionOptions { Capacity = capacity, FullMode = mode });
        var rejections = 0;

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                try
                {
                    await bus.PublishAsync(new Ping(p, i));
                }
                catch (EventBusFullException)
                {
                    Interlocked.Increment(ref rejections);
                }

                var pending = subscription.PendingCount;
                if (pending > Volatile.Read(ref maxPending))
                {
                    Interlocked.Exchange(ref maxPending, pending);
                }
            }
        })));

        var result = await bus.CompleteAsync();
        var dropped = drops.Select(d => (Ping)d.Event!).ToList();
        dropped.Distinct().Count().Should().Be(dropped.Count, "each drop is reported once");
        received.Distinct().Count().Should().Be(received.Count);
        received.Intersect(dropped).Should().BeEmpty("a dropped event is never delivered");
        (received.Count + dropped.Count).Should().Be(publishers * perPublisher, "every event is delivered or reported dropped");
        result.Dropped.Should().Be(dropped.Count);
        Volatile.Read(ref maxPending).Should().BeLessThanOrEqualTo(capacity);
        if (mode == BufferFullMode.Fail)
        {
            Volatile.Read(ref rejections).Should().Be(dropped.Count, "each rejection is one EventBusFullException");
        }

        output.WriteLine($"scenario 9 ({mode}): {publishers * perPublisher} published, {received.Count} delivered, {dropped.Count} dropped " +
            $"(each reported once), max pending {maxPending} <= capacity {capacity}");
    }
}
