using System.Text.Json.Serialization;

namespace EventBus.RabbitMQ.TestPeer;

/// <summary>Sent by the test to the peer.</summary>
public sealed record Ping(int Number, string Text);

/// <summary>The peer's answer: which ping, which process, and the trace id the peer's handler saw.</summary>
public sealed record Pong(int Number, string Text, int ProcessId, string TraceId, string? CorrelationId, string? SenderMessageId);

/// <summary>A unit of work for the peer's consume mode. The peer never finishes a job marked <paramref name="Hold"/>
/// (it stays unacknowledged in its hands); any other consumer handles it like the rest.</summary>
public sealed record PeerJob(int Number, bool Hold = false);

/// <summary>Source-generated JSON metadata: the bridge never needs reflection for these.</summary>
[JsonSerializable(typeof(Ping))]
[JsonSerializable(typeof(Pong))]
[JsonSerializable(typeof(PeerJob))]
public sealed partial class PeerJsonContext : JsonSerializerContext;

/// <summary>The wire names both sides agree on.</summary>
public static class PeerWire
{
    public const string PingType = "eventbus.tests.ping";
    public const string PongType = "eventbus.tests.pong";
    public const string PingTopic = "peer.ping";
    public const string PongTopic = "peer.pong";
    public const string JobType = "eventbus.tests.peer-job";
    public const string JobTopic = "peer.jobs";

    public static RabbitMQOptions MapPeerTypes(this RabbitMQOptions options) => options
        .MapType(PingType, 1, PeerJsonContext.Default.Ping)
        .MapType(PongType, 1, PeerJsonContext.Default.Pong)
        .MapType(JobType, 1, PeerJsonContext.Default.PeerJob);
}
