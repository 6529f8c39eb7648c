namespace EventBus.RabbitMQ.Internal;

/// <summary>The counters behind <see cref="RabbitMQBridgeStatistics"/>; every field is updated with <see cref="Interlocked"/>.</summary>
internal sealed class BridgeCounters
{
    internal long Sent;
    internal long Unroutable;
    internal long SendFailures;
    internal long Received;
    internal long Redelivered;
    internal long Acknowledged;
    internal long Requeued;
    internal long DeadLettered;
    internal long SkippedEchoes;

    internal RabbitMQBridgeStatistics Snapshot() => new(
        Interlocked.Read(ref Sent),
        Interlocked.Read(ref Unroutable),
        Interlocked.Read(ref SendFailures),
        Interlocked.Read(ref Received),
        Interlocked.Read(ref Redelivered),
        Interlocked.Read(ref Acknowledged),
        Interlocked.Read(ref Requeued),
        Interlocked.Read(ref DeadLettered),
        Interlocked.Read(ref SkippedEchoes));
}
