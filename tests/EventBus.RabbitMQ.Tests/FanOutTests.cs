using System.Collections.Concurrent;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Pub/sub across the broker: every instance receives every event, with its context.</summary>
public sealed class FanOutTests(BrokerFixture broker) : BrokerTest(broker)
{
    [Fact]
    public async Task An_event_a_handler_publishes_arrives_with_the_id_of_what_that_handler_was_handling()
    {
        var seenByB = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>((_, context) => seenByB.TrySetResult(context), new SubscriptionOptions { Topic = Wire.OrdersTopic });

        // In A, a local Job's handler publishes the order that goes out: the order's cause is that job.
        var cause = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));
        a.Bus().Subscribe<Job>(async (job, context, ct) =>
        {
            cause.TrySetResult(context.Id);
            await a.Bus().PublishAsync(new OrderPlaced(job.Number, "customer"), PublishOptions.ForTopic(Wire.OrdersTopic), ct);
        });

        await a.Bus().PublishAsync(new Job(1));

        var received = await Signals.For(seenByB.Task, "B to receive the order");
        received.CausationId.Should().Be(await Signals.For(cause.Task, "A's job handler"), "the causation id crossed the broker");
    }

    [Fact]
    public async Task Every_instance_receives_every_event_with_the_senders_id_correlation_id_and_headers()
    {
        const int Count = 20;
        var seenByB = new Recorder<(OrderPlaced Order, EventContext Context)>(Count);
        var seenByC = new Recorder<(OrderPlaced Order, EventContext Context)>(Count);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));

        // C both receives and publishes OrderPlaced: what it received must not go out again (no echo loop).
        var c = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic).Publish<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>((order, context) => seenByB.Record((order, context)), new SubscriptionOptions { Topic = Wire.OrdersTopic });
        c.Bus().Subscribe<OrderPlaced>((order, context) => seenByC.Record((order, context)));

        var sentIds = new ConcurrentDictionary<int, Guid>();
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));
        a.Bus().Subscribe<OrderPlaced>((order, context) => sentIds[order.Number] = context.Id, new SubscriptionOptions { Mode = DeliveryMode.Inline });
        for (var i = 1; i <= Count; i++)
        {
            await a.Bus().PublishAsync(new OrderPlaced(i, $"customer-{i}"), new PublishOptions
            {
                Topic = Wire.OrdersTopic,
                CorrelationId = $"corr-{i}",
                Headers = new Dictionary<string, string> { ["tenant"] = "acme" },
            });
        }

        await Signals.For(seenByB.WaitAsync("B's events"), "B to receive every event");
        await Signals.For(seenByC.WaitAsync("C's events"), "C to receive every event");

        foreach (var seen in new[] { seenByB, seenByC })
        {
            seen.Items.Select(x => x.Order.Number).Should().BeEquivalentTo(Enumerable.Range(1, Count), "every instance receives every event once");
            seen.Items.Select(x => x.Order.Number).Should().BeInAscendingOrder("one publisher's events keep their order");
            foreach (var (order, context) in seen.Items)
            {
                order.Customer.Should().Be($"customer-{order.Number}");
                context.Topic.Should().Be(Wire.OrdersTopic);
                context.CorrelationId.Should().Be($"corr-{order.Number}");
                context.Headers.Should().Contain("tenant", "acme");
                context.Headers.Should().Contain(RabbitMQContextHeaders.MessageId, sentIds[order.Number].ToString());
                context.Headers.Should().Contain(RabbitMQContextHeaders.Source, "/eventbus-tests");
                context.Headers.Should().ContainKey(RabbitMQContextHeaders.Time);
            }
        }

        a.Bridge().GetStatistics().Sent.Should().Be(Count, "an event counts as sent once the broker confirmed it");

        // C's forwarder saw every relayed event and sent none of them back.
        var forwarder = c.Bus().Subscriptions.Single(s => s.Name.StartsWith("rabbitmq-publish", StringComparison.Ordinal));
        await Signals.Until(() => forwarder.GetStatistics().Delivered == Count, "C's forwarder has looked at every relayed event");
        c.Bridge().GetStatistics().Sent.Should().Be(0);
        c.Bridge().GetStatistics().SkippedEchoes.Should().Be(Count, "each echo it held back is counted");
        b.Bridge().GetStatistics().Acknowledged.Should().Be(Count);
    }
}
