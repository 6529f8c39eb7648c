using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>The loop guard: an event that came in is not sent back to where it came from, and nothing else is held back.</summary>
public sealed class RepublishTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    private const string BilledTopic = "orders.billed";

    [Fact]
    public async Task A_handler_that_republishes_what_it_received_with_its_headers_to_another_route_has_it_forwarded()
    {
        const int Count = 20;
        var ledger = new DeliveryLedger<int>();
        var logs = new CollectingLoggerFactory();
        var billed = new Recorder<EventContext>(Count);

        // C receives the billed orders.
        var c = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(BilledTopic));
        c.Bus().Subscribe<OrderPlaced>((order, context) =>
        {
            ledger.Handled(order.Number);
            billed.Record(context);
        });

        // B receives orders, publishes orders itself (so what it received is an echo there), and bills them.
        var b = await StartInstanceAsync(
            rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic).Publish<OrderPlaced>(Wire.OrdersTopic).Publish<OrderPlaced>(BilledTopic),
            loggerFactory: logs);
        b.Bus().Subscribe<OrderPlaced>(
            (order, context, ct) => b.Bus().PublishAsync(order, new PublishOptions { Topic = BilledTopic, CorrelationId = context.CorrelationId, Headers = context.Headers }, ct),
            new SubscriptionOptions { Topic = Wire.OrdersTopic, Name = "billing" });

        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));
        for (var i = 1; i <= Count; i++)
        {
            ledger.Sent(i);
            await a.Bus().PublishAsync(new OrderPlaced(i, "c"), new PublishOptions
            {
                Topic = Wire.OrdersTopic,
                CorrelationId = $"corr-{i}",
                Headers = new Dictionary<string, string> { ["tenant"] = "acme" },
            });
        }

        await Signals.For(ledger.WhenSettledAsync(Count), $"C to receive every billed order ({ledger.Settled} so far)");
        await Signals.Until(() => b.Bridge().GetStatistics().SkippedEchoes == Count, "B to have looked at every echo");
        await Signals.Until(() => b.Bridge().GetStatistics().Sent == Count && a.Bridge().GetStatistics().Sent == Count, "every confirm");

        var bStats = b.Bridge().GetStatistics();
        bStats.Sent.Should().Be(Count, "every republished order went out on the billed route, and no echo went back to orders");
        bStats.SkippedEchoes.Should().Be(Count);
        logs.Entries.Where(e => e.EventId.Id == 3013).Should().HaveCount(Count, "every skipped echo is logged")
            .And.OnlyContain(e => e.Message.Contains($"routing key {Wire.OrdersTopic}", StringComparison.Ordinal));
        foreach (var context in billed.Items)
        {
            context.Headers.Should().Contain("tenant", "acme", "the sender's own headers travel on");
            context.Headers.Should().Contain(RabbitMQContextHeaders.RoutingKey, BilledTopic, "the bridge's headers describe the hop that delivered it");
            context.CorrelationId.Should().StartWith("corr-");
        }

        await Signals.Until(() => b.Bridge().GetStatistics().Acknowledged == Count, "B's acknowledgements once billed");
        var report = ledger.Report(a.Bridge().GetStatistics().Sent + bStats.Sent).WriteTo(output, "a republishing handler");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(Count);
        report.Duplicates.Should().Be(0);
        a.Bridge().GetStatistics().SkippedEchoes.Should().Be(0, "nothing A published locally is an echo");
    }
}
