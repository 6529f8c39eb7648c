using System.Text;
using EventBus.RabbitMQ.Internal;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>The idempotency key of a message is the same on every delivery, whatever the sender's id looks like.</summary>
public sealed class IdempotencyTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_message_id_that_is_not_a_guid_keeps_its_context_id_when_the_message_is_redelivered()
    {
        const string SenderId = "order-42";
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<Guid>();
        var first = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);

        // B1 takes the message and holds it until it is stopped: the broker gets it back unacknowledged.
        var b1 = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(
            queue,
            async (_, context, ct) =>
            {
                ledger.Handled(context.Id);
                first.TrySetResult(context);
                await Task.Delay(Timeout.Infinite, ct);
            },
            Wire.JobsTopic,
            q => q.RetryPolicy = RetryPolicy.None));
        await Broker.PublishRawAsync(Exchange, Wire.JobsTopic, Encoding.UTF8.GetBytes("""{"Number":42}"""), new BasicProperties
        {
            MessageId = SenderId,
            Type = Wire.JobType,
            ContentType = "application/json",
            Persistent = true,
        });
        var firstContext = await Signals.For(first.Task, "the first delivery");
        ledger.Sent(firstContext.Id);

        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await b1.StopAsync(deadline.Token);
        }

        // B2 gets the redelivery.
        await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(
            queue,
            (_, context, _) =>
            {
                ledger.Handled(context.Id);
                second.TrySetResult(context);
                return default;
            },
            Wire.JobsTopic));
        var secondContext = await Signals.For(second.Task, "the redelivery");

        secondContext.Headers.Should().Contain(RabbitMQContextHeaders.Redelivered, "true");
        secondContext.Id.Should().Be(firstContext.Id, "handlers that deduplicate on context.Id see the same key");
        secondContext.Id.Should().Be(StableId.NameBased(StableId.Namespace, SenderId), "a name-based UUID of the sender's id");
        secondContext.Headers.Should().Contain(RabbitMQContextHeaders.MessageId, SenderId, "the original id is kept");
        firstContext.Headers.Should().Contain(RabbitMQContextHeaders.MessageId, SenderId);

        var report = ledger.Report(confirmed: 1).WriteTo(output, "a non-GUID id redelivered");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(1, "both deliveries have one key, so a deduplicating handler does the work once");
        report.Duplicates.Should().Be(1, "the redelivery");
    }

    [Fact]
    public async Task A_pub_sub_message_sent_twice_with_one_id_reaches_handlers_with_one_context_id_and_the_senders_time()
    {
        const string SenderId = "order-42";
        var sentAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var contexts = new Recorder<EventContext>(2);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>((_, context) => contexts.Record(context));

        // The same message twice, as a sender that retries after a lost confirm would send it.
        for (var i = 0; i < 2; i++)
        {
            await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, Encoding.UTF8.GetBytes("""{"Number":42,"Customer":"c"}"""), new BasicProperties
            {
                MessageId = SenderId,
                Type = Wire.OrderPlacedType,
                ContentType = "application/json",
                Timestamp = new AmqpTimestamp(sentAt.ToUnixTimeSeconds()),
            });
        }

        await Signals.For(contexts.WaitAsync(), "both deliveries");
        contexts.Items.Select(context => context.Id).Should().AllBeEquivalentTo(
            StableId.NameBased(StableId.Namespace, SenderId), "a pub/sub handler deduplicating on context.Id sees one key for both");
        contexts.Items.Should().OnlyContain(context => context.Timestamp == sentAt, "the event keeps the sender's time");
        output.WriteLine($"pub/sub, one id sent twice: 2 deliveries, 1 context id ({contexts.Items[0].Id})");
    }
}
