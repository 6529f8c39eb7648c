namespace EventBus.Reliability.Tests;

/// <summary>Memory returns after one-off topics come and go (measures the whole heap, so it runs alone).</summary>
[Collection(IsolatedCollection.Name)]
public sealed class RouteMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_hundred_thousand_one_off_topics_leave_the_heap_where_it_was()
    {
        await using var bus = EventBusFactory.Create();
        using var topicless = bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Mode = DeliveryMode.Inline });
        RunTopics(bus, 0, 1_000);
        var before = Heap();

        RunTopics(bus, 1_000, 100_000);
        var after = Heap();

        output.WriteLine($"heap before {before:N0} B, after 100,000 one-off topics {after:N0} B ({100.0 * (after - before) / before:F1} %)");
        after.Should().BeLessThanOrEqualTo((long)(before * 1.10), "routes of topics that came and went are released");
    }

    private static void RunTopics(IEventBus bus, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var topic = $"one-off-{i}";
            var subscription = bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Mode = DeliveryMode.Inline, Topic = topic });
            bus.Publish(new Ping(0, i), PublishOptions.ForTopic(topic));
            bus.Publish(new Ping(0, i), PublishOptions.ForTopic(topic + "-unheard"));
            subscription.Dispose();
        }
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
