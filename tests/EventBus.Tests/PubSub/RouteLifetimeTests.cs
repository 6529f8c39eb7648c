using EventBus.PubSub;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>Routes of topics come and go with the subscriptions that have those topics.</summary>
public sealed class RouteLifetimeTests
{
    [Fact]
    public async Task Topics_that_come_and_go_leave_no_routes_behind()
    {
        await using var bus = EventBusFactory.Create();
        var routes = (InProcessEventBus)bus;
        var everyTopic = new Recorder<Ping>(1_000);
        using var topicless = bus.Subscribe<Ping>(everyTopic.Record);
        bus.Publish(new Ping(0, -1));
        var baseline = routes.RouteCount;

        for (var i = 0; i < 1_000; i++)
        {
            var topic = $"one-off-{i}";
            var handled = 0;
            var subscription = bus.Subscribe<Ping>(_ => handled++, new SubscriptionOptions { Mode = DeliveryMode.Inline, Topic = topic });
            bus.Publish(new Ping(0, i), PublishOptions.ForTopic(topic));
            handled.Should().Be(1, "the topic's subscription gets its event");
            subscription.Dispose();
        }

        routes.RouteCount.Should().Be(baseline, "the last subscription of a topic takes the topic's routes with it");
        await everyTopic.WaitAsync("the topicless subscription to get every topic's event");
    }

    [Fact]
    public async Task Publishing_on_topics_nobody_subscribes_to_creates_no_routes_and_reaches_the_topicless_subscriptions()
    {
        await using var bus = EventBusFactory.Create();
        var routes = (InProcessEventBus)bus;
        var contexts = new Recorder<string?>(10_000);
        bus.Subscribe<Ping>((_, context) => contexts.Record(context.Topic), new SubscriptionOptions { Mode = DeliveryMode.Inline });
        bus.Publish(new Ping(0, -1));
        var baseline = routes.RouteCount;

        for (var i = 0; i < 9_999; i++)
        {
            await bus.PublishAsync(new Ping(0, i), PublishOptions.ForTopic($"nobody-{i}"));
        }

        routes.RouteCount.Should().Be(baseline);
        await contexts.WaitAsync("every event at the topicless subscription");
        contexts.Items.Skip(1).Should().Equal(Enumerable.Range(0, 9_999).Select(i => $"nobody-{i}"), "the context still carries the topic the publisher gave");
    }

    [Fact]
    public async Task A_typed_publisher_keeps_its_route_when_its_topic_comes_and_goes()
    {
        await using var bus = EventBusFactory.Create();
        var publisher = bus.GetPublisher<Ping>("orders");
        var first = new Recorder<Ping>(1);
        var subscription = bus.Subscribe<Ping>(first.Record, new SubscriptionOptions { Topic = "orders" });
        await publisher.PublishAsync(new Ping(0, 1));
        await first.WaitAsync();
        await subscription.DisposeAsync();

        var second = new Recorder<Ping>(1);
        using var again = bus.Subscribe<Ping>(second.Record, new SubscriptionOptions { Topic = "orders" });
        await publisher.PublishAsync(new Ping(0, 2));
        await second.WaitAsync("the new subscription of the topic to get the publisher's event");
        second.Items.Should().Equal([new Ping(0, 2)]);
    }
}
