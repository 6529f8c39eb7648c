using System.Diagnostics;
using EventBus.RabbitMQ.TestPeer;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Ping = EventBus.RabbitMQ.TestPeer.Ping;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Two OS processes exchange events through the broker: this test and a peer started with <c>dotnet</c>.</summary>
public sealed class CrossProcessTests(BrokerFixture broker) : BrokerTest(broker), IDisposable
{
    private readonly ActivitySource _client = new("EventBus.RabbitMQ.Tests.CrossProcess");
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name == "EventBus.RabbitMQ.Tests.CrossProcess",
        Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public void Dispose()
    {
        _listener.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task A_second_process_answers_every_ping_through_the_broker_within_the_senders_trace()
    {
        const int Count = 10;
        ActivitySource.AddActivityListener(_listener);
        var pongs = new Recorder<(Pong Pong, EventContext Context)>(Count);
        var me = await StartInstanceAsync(rabbit => rabbit.MapPeerTypes().Publish<Ping>(PeerWire.PingTopic).Subscribe<Pong>(PeerWire.PongTopic));
        me.Bus().Subscribe<Pong>((pong, context) => pongs.Record((pong, context)));

        using var peer = PeerProcess.Start("ping", Exchange, NewInstanceName());
        await peer.WaitUntilReadyAsync();

        ActivityTraceId traceId;
        using (var root = _client.StartActivity("ask the peer"))
        {
            traceId = root!.TraceId;
            for (var i = 1; i <= Count; i++)
            {
                await me.Bus().PublishAsync(new Ping(i, $"ping {i}"), new PublishOptions { Topic = PeerWire.PingTopic, CorrelationId = $"conversation-{i}" });
            }
        }

        await Signals.For(pongs.WaitAsync("pongs"), "a pong for every ping");

        pongs.Items.Select(x => x.Pong.Number).Should().BeEquivalentTo(Enumerable.Range(1, Count));
        foreach (var (pong, context) in pongs.Items)
        {
            pong.ProcessId.Should().NotBe(Environment.ProcessId, "the answer came from the other process");
            pong.Text.Should().Be($"ping {pong.Number}");
            pong.TraceId.Should().Be(traceId.ToHexString(), "the peer's handler ran in the trace this process started");
            pong.CorrelationId.Should().Be($"conversation-{pong.Number}", "the correlation id crossed to the peer");
            pong.SenderMessageId.Should().NotBeNullOrEmpty();
            context.CorrelationId.Should().Be($"conversation-{pong.Number}", "and came back with the answer");
        }

        // Closing its input asks the peer to drain and exit.
        await peer.StopAsync();
        peer.ExitCode.Should().Be(0, await peer.DescribeAsync());
    }
}
