using EventBus.PubSub;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>A route's targets grow by appending and shrink by clearing slots (see <c>RouteSnapshot</c>): publish
/// still reaches exactly the live subscriptions, in subscription order, and subscribing costs the same at any count.</summary>
public sealed class RouteScaleTests
{
    private static readonly SubscriptionOptions s_inline = new() { Mode = DeliveryMode.Inline };

    [Theory]
    [InlineData(DeliveryMode.Inline, 10)]
    [InlineData(DeliveryMode.Inline, 200)]
    [InlineData(DeliveryMode.Queued, 200)]
    public async Task After_removals_publish_reaches_exactly_the_live_subscriptions_in_subscription_order(DeliveryMode mode, int count)
    {
        await using var bus = EventBusFactory.Create();
        var order = new List<int>();
        var subscriptions = new List<IEventSubscription>();
        for (var i = 0; i < count; i++)
        {
            var index = i;
            subscriptions.Add(bus.Subscribe<Ping>(_ => { lock (order) { order.Add(index); } }, new SubscriptionOptions { Mode = mode }));
        }

        // Two of every three leave: past the compaction point, with cleared slots on the way there.
        var live = new List<int>();
        for (var i = 0; i < count; i++)
        {
            if (i % 3 == 0)
            {
                live.Add(i);
            }
            else
            {
                subscriptions[i].Dispose();
            }
        }

        // One more at the end: it goes last, after the survivors.
        var last = count;
        bus.Subscribe<Ping>(_ => { lock (order) { order.Add(last); } }, new SubscriptionOptions { Mode = mode });
        live.Add(last);

        bus.Publish(new Ping(0, 1));
        await bus.CompleteAsync();

        if (mode == DeliveryMode.Inline)
        {
            order.Should().Equal(live, "inline handlers run in subscription order, skipping the ones that left");
        }
        else
        {
            order.Order().Should().Equal(live, "every live queued subscription gets the event once, and no other");
        }
    }

    [Fact]
    public void A_snapshot_keeps_its_slots_while_the_route_grows_and_sees_a_removed_slot_as_empty()
    {
        var builder = new RouteSnapshot<Ping>.Builder();
        using var bus = EventBusFactory.Create();
        var entries = Enumerable.Range(0, 40).Select(_ => (InlineSubscription<Ping>)bus.Subscribe<Ping>(_ => { }, s_inline)).ToList();
        foreach (var entry in entries.Take(20))
        {
            builder.AddInline(entry);
        }

        var before = builder.Build();
        foreach (var entry in entries.Skip(20))
        {
            builder.AddInline(entry);
        }

        before.InlineCount.Should().Be(20, "appends land past every published count");
        Enumerable.Range(0, 20).Select(before.At).Should().Equal(entries.Take(20), "a published slot never changes");

        var current = builder.Build();
        builder.Remove(entries[5]).Should().BeTrue();
        builder.Remove(entries[5]).Should().BeFalse("it was already taken out");
        var after = builder.Build();
        after.At(5).Should().BeNull("a removed slot is cleared, not shifted");
        after.At(6).Should().BeSameAs(entries[6]);
        current.At(5).Should().BeNull("a snapshot shares its builder's array, so a publish under way skips the one that left");
        after.Compacted().Count.Should().Be(39);
    }

    [Fact]
    public void Subscribing_many_subscriptions_to_one_route_allocates_the_same_per_subscription_at_any_count()
    {
        static double BytesPerSubscription(int count)
        {
            using var bus = EventBusFactory.Create();
            using var first = bus.Subscribe<Ping>(_ => { }, s_inline);
            bus.Publish(new Ping(0, 0));
            Action<Ping> handler = _ => { };
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < count; i++)
            {
                bus.Subscribe(handler, s_inline);
            }

            return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
        }

        BytesPerSubscription(500);
        var small = BytesPerSubscription(500);
        var large = BytesPerSubscription(20_000);

        // Copying the route's whole list on every subscribe would make the large count 40 times dearer per subscription.
        large.Should().BeLessThan(small * 2, $"{small:F0} B per subscription at 500, {large:F0} B at 20,000");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    public async Task Publishes_racing_with_subscribe_and_unsubscribe_never_fail(int steady)
    {
        // A removal never clears a slot that a snapshot a publisher may hold reads without checking.
        await using var bus = EventBusFactory.Create();
        var steadyCalls = 0;
        for (var i = 0; i < steady; i++)
        {
            bus.Subscribe<Ping>(_ => Interlocked.Increment(ref steadyCalls), s_inline);
        }

        using var stop = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                bus.Publish(new Ping(0, published++));
            }
        });
        for (var i = 0; i < 20_000; i++)
        {
            bus.Subscribe<Ping>(_ => { }, s_inline).Dispose();
        }

        await stop.CancelAsync();
        await Wait.For(publisher, "the publisher");
        Volatile.Read(ref steadyCalls).Should().Be(published * steady, "the subscriptions that stayed got every event");
    }

    [Fact]
    public async Task A_settled_publish_counts_only_the_subscriptions_still_there()
    {
        await using var bus = EventBusFactory.Create();
        var subscriptions = Enumerable.Range(0, 40).Select(_ => bus.Subscribe<Ping>(_ => { }, s_inline)).ToList();
        foreach (var subscription in subscriptions.Where((_, i) => i % 4 != 0).Take(10))
        {
            subscription.Dispose();
        }

        var settled = new TaskCompletionSource<PublishSettlement>(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Publish(new Ping(0, 1), new PublishOptions { OnSettled = s => settled.TrySetResult(s) });
        var settlement = await Wait.For(settled.Task, "the settlement");

        settlement.Handled.Should().Be(30);
        settlement.Abandoned.Should().Be(0, "a subscription that left is not one the publish failed to reach");
    }
}
