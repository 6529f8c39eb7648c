namespace EventBus.RabbitMQ.Internal;

/// <summary>What an inbound queue does with the messages of one registered type.</summary>
internal abstract class InboundHandler(MessageType type)
{
    internal MessageType Type { get; } = type;

    /// <summary>Prepares local resources (a work queue) before the first delivery.</summary>
    internal virtual void Start(InboundEndpoint endpoint)
    {
    }

    /// <summary>Handles one delivery and settles it (ack, requeue or dead letter), now or later. Throws
    /// <see cref="MessageRejectedException"/> when the body cannot be read.</summary>
    internal abstract ValueTask DispatchAsync(Delivery delivery, CancellationToken stopping);

    /// <summary>Finishes local work after consumption stopped, until the deadline.</summary>
    internal virtual ValueTask StopAsync(CancellationToken deadline) => default;
}

/// <summary>A delivery that cannot be handled at all and goes straight to the dead-letter exchange.</summary>
internal sealed class MessageRejectedException(string reason, string detail, Exception? inner = null) : Exception(detail, inner)
{
    internal string Reason { get; } = reason;
}
