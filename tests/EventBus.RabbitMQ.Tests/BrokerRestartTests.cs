using System.Collections.Concurrent;
using EventBus.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>The broker goes away in the middle of a stream and comes back: nothing confirmed is lost.</summary>
public sealed class BrokerRestartTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_broker_restart_mid_stream_loses_no_confirmed_event_and_redeliveries_are_flagged_and_counted()
    {
        const int Count = 200;
        const int HoldAt = 50;
        var queue = QueueName("restart");
        var handled = new ConcurrentQueue<(int Number, bool Redelivered)>();
        var ledger = new DeliveryLedger<int>();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var brokerStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;

        var consumer = await StartInstanceAsync(rabbit =>
        {
            rabbit.PrefetchCount = 10;
            rabbit.MapTestTypes().Consume<Job>(
                queue,
                async (job, context, _) =>
                {
                    // Job 50 is in a handler, unacknowledged, when the broker stops: it must come back redelivered.
                    if (job.Number == HoldAt && Interlocked.Exchange(ref held, 1) == 0)
                    {
                        holding.TrySetResult();
                        await brokerStopped.Task;
                    }

                    handled.Enqueue((job.Number, context.Headers.ContainsKey(RabbitMQContextHeaders.Redelivered)));
                    ledger.Handled(job.Number);
                },
                Wire.JobsTopic,
                q => q.WorkerCount = 1);
        });
        var producer = await StartInstanceAsync(rabbit =>
        {
            // Keep retrying for as long as a restart can take here (about a minute at worst).
            rabbit.ForwardRetryPolicy = new RetryPolicy { MaxRetries = 200, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) };
            rabbit.PublishTimeout = TimeSpan.FromSeconds(10);
            rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic);
        });

        for (var i = 1; i <= Count / 2; i++)
        {
            ledger.Sent(i);
            await producer.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.For(holding.Task, $"the consumer to hold job {HoldAt}");
        await Signals.Until(() => producer.Bridge().GetStatistics().Sent == Count / 2, "the first half to be confirmed");

        await BrokerEnvironment.RunScriptAsync("stop", Signals.RestartTimeout);
        brokerStopped.SetResult();

        // The second half is published locally while the broker is down: it waits in the forwarder's buffer.
        for (var i = Count / 2 + 1; i <= Count; i++)
        {
            ledger.Sent(i);
            await producer.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.Until(() => !producer.Bridge().IsConnected, "the producer to notice the broker is gone");
        producer.Bridge().GetStatistics().Sent.Should().Be(Count / 2, "nothing is counted as sent without the broker's confirm");

        await BrokerEnvironment.RunScriptAsync("start", Signals.RestartTimeout);
        await Signals.For(ledger.WhenSettledAsync(Count), $"every job after the restart ({ledger.Settled} of {Count} so far)", Signals.RestartTimeout);

        var forwarder = producer.Bus().Subscriptions.Single(s => s.Name.StartsWith("rabbitmq-publish", StringComparison.Ordinal));
        await Signals.Until(() => forwarder.GetStatistics().Delivered == Count, "the forwarder to have every event confirmed", Signals.RestartTimeout);
        forwarder.GetStatistics().DeadLettered.Should().Be(0, "no forward gave up");
        var sent = producer.Bridge().GetStatistics();
        sent.Sent.Should().BeGreaterThanOrEqualTo(Count, "every event was confirmed by the broker (some perhaps twice, when a confirm was lost)");

        var report = ledger.Report(sent.Sent).WriteTo(output, "broker restart mid-stream");
        report.Lost.Should().Be(0, "no confirmed event was lost");
        report.Handled.Should().Be(Count);
        report.Duplicates.Should().BeGreaterThanOrEqualTo(1, "the job in hand at the stop was handled again");
        var stats = consumer.Bridge().GetStatistics();
        stats.Redelivered.Should().BeGreaterThan(0, "what was unacknowledged at the stop came back flagged as redelivered");
        handled.Should().Contain(x => x.Number == HoldAt && x.Redelivered, "the held job was handled again, and its context says it was redelivered");
        ledger.HandledTimes(HoldAt).Should().Be(2, "at-least-once: the job in hand at the stop is handled again");
    }
}
