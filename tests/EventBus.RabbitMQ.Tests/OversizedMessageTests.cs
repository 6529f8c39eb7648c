using System.Text;
using EventBus.RabbitMQ.Tests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Messages over <see cref="RabbitMQOptions.MaxMessageSize"/>, in and out.</summary>
public sealed class OversizedMessageTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_body_over_the_clients_old_64_MiB_frame_limit_is_dead_lettered_as_too_large_and_the_consumer_goes_on()
    {
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<string>();
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(
            queue,
            (_, context, _) =>
            {
                ledger.Handled(context.Headers[RabbitMQContextHeaders.MessageId]);
                return default;
            },
            Wire.JobsTopic));

        // Published directly, as a foreign producer would: the broker takes up to 80 MiB here.
        var huge = new byte[(64 * 1024 * 1024) + 1];
        ledger.Sent("huge");
        await Broker.PublishRawAsync(Exchange, Wire.JobsTopic, huge, Properties("huge"));
        ledger.Sent("good");
        await Broker.PublishRawAsync(Exchange, Wire.JobsTopic, Encoding.UTF8.GetBytes("""{"Number":1}"""), Properties("good"));

        await Signals.For(ledger.WhenSettledAsync(1), "the good job behind the huge one");
        var letter = (await Broker.TakeAsync(DeadLetterQueue, 1)).Single();
        ledger.DeadLettered(letter.Properties.MessageId!);

        letter.Properties.MessageId.Should().Be("huge");
        letter.Headers.Should().Contain(RabbitMQHeaders.DeadLetterReason, RabbitMQDeadLetterReasons.TooLarge);
        letter.Headers[RabbitMQHeaders.DeadLetterDetail].Should().Contain($"{huge.Length} bytes").And.Contain("MaxMessageSize (16777216 bytes)");
        letter.BodyLength.Should().Be(huge.Length, "the dead letter keeps the original body for inspection");
        var stats = b.Bridge().GetStatistics();
        b.Bridge().IsConnected.Should().BeTrue("the connection never dropped");
        stats.Received.Should().Be(2, "each message was delivered once: nothing came back");
        stats.Requeued.Should().Be(0);
        stats.DeadLettered.Should().Be(1);
        await Signals.Until(() => b.Bridge().GetStatistics().Acknowledged == 1, "the good job's acknowledgement");

        var report = ledger.Report(confirmed: 2).WriteTo(output, "a 64 MiB + 1 body on a shared queue");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(1);
        report.Duplicates.Should().Be(0);
    }

    [Fact]
    public async Task A_pub_sub_delivery_over_MaxMessageSize_is_dead_lettered_as_too_large()
    {
        const int Limit = 64 * 1024;
        var ledger = new DeliveryLedger<int>();
        var b = await StartInstanceAsync(rabbit =>
        {
            rabbit.MaxMessageSize = Limit;
            rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic);
        });
        b.Bus().Subscribe<OrderPlaced>(order => ledger.Handled(order.Number));

        var oversized = Encoding.UTF8.GetBytes($$"""{"Number":1,"Customer":"{{new string('x', Limit)}}"}""");
        ledger.Sent(1);
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, oversized, Properties("1", Wire.OrderPlacedType));
        ledger.Sent(2);
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, Encoding.UTF8.GetBytes("""{"Number":2,"Customer":"c"}"""), Properties("2", Wire.OrderPlacedType));

        await Signals.For(ledger.WhenSettledAsync(1), "the small event");
        var letter = (await Broker.TakeAsync(DeadLetterQueue, 1)).Single();
        ledger.DeadLettered(int.Parse(letter.Properties.MessageId!, System.Globalization.CultureInfo.InvariantCulture));

        letter.Headers.Should().Contain(RabbitMQHeaders.DeadLetterReason, RabbitMQDeadLetterReasons.TooLarge);
        letter.BodyLength.Should().Be(oversized.Length);
        var report = ledger.Report(confirmed: 2).WriteTo(output, "an oversized pub/sub delivery");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(1);
        report.DeadLettered.Should().Be(1);
    }

    [Fact]
    public async Task An_outbound_event_over_MaxMessageSize_is_refused_at_its_forward_without_retries()
    {
        const int Limit = 4096;
        var ledger = new DeliveryLedger<int>();
        var deadLetters = new DeadLetterQueue();
        var refused = new TaskCompletionSource<DeadLetter>(TaskCreationOptions.RunContinuationsAsynchronously);
        deadLetters.Added += letter => refused.TrySetResult(letter);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>(order => ledger.Handled(order.Number));
        var a = await StartInstanceAsync(
            rabbit =>
            {
                rabbit.MaxMessageSize = Limit;
                rabbit.ForwardRetryPolicy = new RetryPolicy { MaxRetries = 5, BaseDelay = TimeSpan.FromMilliseconds(1), Jitter = 0 };
                rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic);
            },
            busOptions: o => o.DeadLetterSink = deadLetters);

        ledger.Sent(1);
        await a.Bus().PublishAsync(new OrderPlaced(1, new string('x', Limit)), PublishOptions.ForTopic(Wire.OrdersTopic));
        ledger.Sent(2);
        await a.Bus().PublishAsync(new OrderPlaced(2, "small"), PublishOptions.ForTopic(Wire.OrdersTopic));

        var letter = await Signals.For(refused.Task, "the oversized event in the local dead-letter sink");
        ledger.DeadLettered(((OrderPlaced)letter.Message).Number);
        await Signals.For(ledger.WhenSettledAsync(2), "the small event at the receiver");

        var tooLarge = letter.Exception.Should().BeOfType<RabbitMQMessageTooLargeException>().Which;
        tooLarge.MaxSize.Should().Be(Limit);
        tooLarge.Size.Should().BeGreaterThan(Limit);
        tooLarge.Message.Should().Contain("MaxMessageSize (4096 bytes)");
        letter.Attempts.Should().Be(1, "no retry can make it smaller");
        ((OrderPlaced)letter.Message).Number.Should().Be(1);
        await Signals.Until(() => a.Bridge().GetStatistics().Sent == 1, "the small event's confirm");
        var stats = a.Bridge().GetStatistics();
        stats.SendFailures.Should().Be(1);
        stats.Sent.Should().Be(1);

        var report = ledger.Report(stats.Sent).WriteTo(output, "an oversized outbound event");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(1);
        report.DeadLettered.Should().Be(1);
    }

    private static BasicProperties Properties(string id, string type = Wire.JobType) =>
        new() { MessageId = id, Type = type, ContentType = "application/json", Persistent = true };
}
