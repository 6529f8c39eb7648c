namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// One message handed out by the broker, settled exactly once: acknowledged, requeued or dead-lettered.
/// A delivery whose channel closed meanwhile (the connection dropped) is never settled: its tag means
/// nothing on the recovered channel, and the broker has already put the message back.
/// </summary>
internal sealed class Delivery(InboundEndpoint endpoint, IncomingMessage message, int generation)
{
    private int _settled;

    internal IncomingMessage Message { get; } = message;

    internal InboundEndpoint Endpoint { get; } = endpoint;

    /// <summary>True when the channel this delivery came on has closed since.</summary>
    internal int Generation { get; } = generation;

    internal bool IsStale => Endpoint.Generation != Generation;

    internal ValueTask AckAsync() => TrySettle() ? Endpoint.AckAsync(this) : default;

    internal ValueTask RequeueAsync() => TrySettle() ? Endpoint.RequeueAsync(this) : default;

    internal ValueTask DeadLetterAsync(string reason, string detail, Exception? exception, int attempts) =>
        TrySettle() ? Endpoint.DeadLetterAsync(this, reason, detail, exception, attempts) : default;

    private bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;
}
