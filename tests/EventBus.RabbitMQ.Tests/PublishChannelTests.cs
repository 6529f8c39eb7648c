using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>The broker closes the publishing channel (not the connection) when it refuses a publish.</summary>
public sealed class PublishChannelTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_publishing_channel_the_broker_closed_is_reopened_and_the_refused_event_goes_out_on_a_retry()
    {
        const int Count = 3;
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<int>();
        var logs = new CollectingLoggerFactory();
        Action<RabbitMQOptions> consumer = rabbit => rabbit.MapTestTypes().Consume<Job>(queue, (job, _, _) =>
        {
            ledger.Handled(job.Number);
            return default;
        }, Wire.JobsTopic);
        await StartInstanceAsync(consumer);
        var a = await StartInstanceAsync(
            rabbit =>
            {
                rabbit.ForwardRetryPolicy = new RetryPolicy { MaxRetries = 1000, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200), Jitter = 0 };
                rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic);
            },
            deploy: false,
            loggerFactory: logs);

        ledger.Sent(1);
        await a.Bus().PublishAsync(new Job(1), PublishOptions.ForTopic(Wire.JobsTopic));
        await Signals.For(ledger.WhenSettledAsync(1), "the first job");

        // An operator deletes the exchange: publishing to it closes the channel with 404 NOT_FOUND.
        await Broker.DeleteAsync([], [Exchange]);
        ledger.Sent(2);
        await a.Bus().PublishAsync(new Job(2), PublishOptions.ForTopic(Wire.JobsTopic));
        await Signals.Until(() => a.Bridge().GetStatistics().SendFailures >= 2, "the forward to fail, and fail again on a new channel");
        a.Bridge().IsConnected.Should().BeTrue("only the channel was closed");

        // The deployment puts it back; the retry that follows goes out.
        await DeployAsync(consumer);
        ledger.Sent(3);
        await a.Bus().PublishAsync(new Job(3), PublishOptions.ForTopic(Wire.JobsTopic));
        await Signals.For(ledger.WhenSettledAsync(Count), $"every job ({ledger.Settled} so far)");
        await Signals.Until(() => a.Bridge().GetStatistics().Sent == Count, "every confirm");

        logs.Entries.Should().Contain(e => e.EventId.Id == 3015 && e.Message.Contains("NOT_FOUND", StringComparison.Ordinal), "the reopening is logged with the broker's reason");
        var report = ledger.Report(a.Bridge().GetStatistics().Sent).WriteTo(output, "a publishing channel closed by the broker");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(Count);
    }
}
