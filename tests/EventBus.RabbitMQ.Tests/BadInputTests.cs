using System.Text;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Messages the bridge cannot handle go to the dead-letter exchange with the reason; the consumer carries on.</summary>
public sealed class BadInputTests(BrokerFixture broker) : BrokerTest(broker)
{
    [Fact]
    public async Task Unknown_types_and_unreadable_bodies_are_dead_lettered_with_the_reason_and_the_consumer_keeps_going()
    {
        var queue = QueueName("jobs");
        var orders = new Recorder<int>(1);
        var jobs = new Recorder<int>(1);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes()
            .Subscribe<OrderPlaced>(Wire.OrdersTopic)
            .Consume<Job>(queue, (job, _, _) =>
            {
                jobs.Record(job.Number);
                return default;
            }, Wire.JobsTopic));
        b.Bus().Subscribe<OrderPlaced>(order => orders.Record(order.Number));

        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        var valid = Utf8("""{"Number":1,"Customer":"c"}""");
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, Utf8("{}"), type: "nobody.knows.this");
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, Utf8("{not json"), type: Wire.OrderPlacedType);
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, Utf8("null"), type: Wire.OrderPlacedType);
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, valid, type: Wire.OrderPlacedType, headers: new Dictionary<string, object?> { [RabbitMQHeaders.SchemaVersion] = "7" });
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, valid, type: Wire.OrderPlacedType, contentType: "text/plain");
        await Broker.PublishRawAsync(Exchange, Wire.JobsTopic, Utf8("[1,2"), type: Wire.JobType);
        await Broker.PublishRawAsync(Exchange, Wire.JobsTopic, Utf8("{}"), type: null);

        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic).Publish<Job>(Wire.JobsTopic));
        await a.Bus().PublishAsync(new OrderPlaced(42, "after the bad ones"), PublishOptions.ForTopic(Wire.OrdersTopic));
        await a.Bus().PublishAsync(new Job(43), PublishOptions.ForTopic(Wire.JobsTopic));
        await Signals.For(orders.WaitAsync(), "a good event after the bad ones");
        await Signals.For(jobs.WaitAsync(), "a good job after the bad ones");
        orders.Items.Should().Equal(42);
        jobs.Items.Should().Equal(43);

        var letters = await Broker.TakeAsync(DeadLetterQueue, 7);
        letters.GroupBy(l => l.Headers[RabbitMQHeaders.DeadLetterReason]).ToDictionary(g => g.Key, g => g.Count()).Should().BeEquivalentTo(
            new Dictionary<string, int>
            {
                [RabbitMQDeadLetterReasons.UnknownType] = 2,
                [RabbitMQDeadLetterReasons.DeserializationFailed] = 3,
                [RabbitMQDeadLetterReasons.UnsupportedSchemaVersion] = 1,
                [RabbitMQDeadLetterReasons.UnsupportedContentType] = 1,
            });
        letters.Should().OnlyContain(l => l.Headers[RabbitMQHeaders.DeadLetterDetail].Length > 0);
        letters.Should().Contain(l => l.Body == "{not json", "the original body is kept for inspection");
        letters.Single(l => l.Headers[RabbitMQHeaders.DeadLetterReason] == RabbitMQDeadLetterReasons.UnknownType && l.Type == "nobody.knows.this")
            .Headers[RabbitMQHeaders.DeadLetterDetail].Should().Contain("nobody.knows.this");
        b.Bridge().GetStatistics().DeadLettered.Should().Be(7);
    }
}
