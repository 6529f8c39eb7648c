using System.Collections.Concurrent;
using EventBus.RabbitMQ.TestPeer;
using EventBus.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>A consumer in another process dies mid-stream without a chance to clean up: SIGKILL.</summary>
public sealed class ConsumerCrashTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_consumer_killed_with_SIGKILL_mid_stream_loses_nothing_and_what_it_held_is_redelivered()
    {
        const int Count = 2000;
        const int KillAfter = Count / 4;
        var queue = QueueName("crash");
        var ledger = new DeliveryLedger<int>();
        var ids = new ConcurrentDictionary<int, string>();
        var idMismatches = 0;
        var handledByChild = 0;
        var redeliveredToSurvivor = 0;
        var handledBySurvivor = 0;
        var killPoint = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handled(int number, string id)
        {
            ledger.Handled(number);
            if (ids.GetOrAdd(number, id) != id)
            {
                Interlocked.Increment(ref idMismatches);
            }
        }

        await DeployAsync(rabbit => rabbit.MapPeerTypes().Consume<PeerJob>(queue, static (_, _, _) => default, PeerWire.JobTopic));
        var producer = await StartInstanceAsync(rabbit => rabbit.MapPeerTypes().Publish<PeerJob>(PeerWire.JobTopic), deploy: false);
        // The last job of the first half is one the child never finishes: whenever the kill lands, the
        // child holds a delivery it has not acknowledged, and has not handled the whole first half.
        for (var i = 1; i <= Count / 2; i++)
        {
            ledger.Sent(i);
            await producer.Bus().PublishAsync(new PeerJob(i, Hold: i == Count / 2), PublishOptions.ForTopic(PeerWire.JobTopic));
        }

        // The child writes "HANDLED <n> <context id>" for each job, before the bridge acknowledges it.
        using var child = PeerProcess.Start("consume", Exchange, NewInstanceName(), queue, line =>
        {
            var parts = line.Split(' ');
            if (parts is ["HANDLED", var number, var id])
            {
                Handled(int.Parse(number, System.Globalization.CultureInfo.InvariantCulture), id);
                if (Interlocked.Increment(ref handledByChild) >= KillAfter)
                {
                    killPoint.TrySetResult();
                }
            }
        });
        await child.WaitUntilReadyAsync();
        await Signals.For(killPoint.Task, $"the child to handle {KillAfter} jobs ({Volatile.Read(ref handledByChild)} so far)");

        await child.KillAsync();
        child.ExitCode.Should().Be(128 + 9, "the child died of SIGKILL, with no chance to drain or acknowledge");
        var atKill = Volatile.Read(ref handledByChild);
        atKill.Should().BeLessThan(Count / 2, "the child was killed in the middle of the stream, with deliveries in hand");

        // The rest of the stream goes out while nobody consumes; then a survivor takes over.
        for (var i = Count / 2 + 1; i <= Count; i++)
        {
            ledger.Sent(i);
            await producer.Bus().PublishAsync(new PeerJob(i), PublishOptions.ForTopic(PeerWire.JobTopic));
        }

        var survivor = await StartInstanceAsync(
            rabbit => rabbit.MapPeerTypes().Consume<PeerJob>(
                queue,
                (job, context, _) =>
                {
                    if (context.Headers.ContainsKey(RabbitMQContextHeaders.Redelivered))
                    {
                        Interlocked.Increment(ref redeliveredToSurvivor);
                    }

                    Handled(job.Number, context.Id.ToString());
                    Interlocked.Increment(ref handledBySurvivor);
                    return default;
                },
                PeerWire.JobTopic),
            deploy: false);
        await Signals.For(ledger.WhenSettledAsync(Count), $"every job to be handled ({ledger.Settled} of {Count} so far)");
        await Signals.Until(() => producer.Bridge().GetStatistics().Sent >= Count, "every job to be confirmed");
        await Signals.Until(() => survivor.Bridge().GetStatistics().Acknowledged == Volatile.Read(ref handledBySurvivor), "the survivor to acknowledge what it handled");

        var report = ledger.Report(producer.Bridge().GetStatistics().Sent).WriteTo(output, $"SIGKILL after {atKill} handled by the child");
        output.WriteLine($"redelivered to the survivor: {redeliveredToSurvivor}");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(Count);
        report.Confirmed.Should().BeGreaterThanOrEqualTo(Count);
        report.Duplicates.Should().BeLessThanOrEqualTo(new RabbitMQOptions().PrefetchCount, "only what the child held unacknowledged can come twice");
        redeliveredToSurvivor.Should().BeGreaterThan(0, "what the child held unacknowledged came back flagged as redelivered");
        idMismatches.Should().Be(0, "a job has the same idempotency key in both processes");
        await StopQuietlyAsync(survivor);
        (await Broker.MessageCountAsync(queue)).Should().Be(0);
    }
}
