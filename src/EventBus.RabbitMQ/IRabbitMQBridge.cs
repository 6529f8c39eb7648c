namespace EventBus.RabbitMQ;

/// <summary>The running bridge, injectable for health checks and monitoring.</summary>
public interface IRabbitMQBridge
{
    /// <summary>Whether the connection to the broker is open now (false while it recovers).</summary>
    bool IsConnected { get; }

    /// <summary>The name of this instance's own queue (pub/sub), or <see langword="null"/> before the bridge
    /// started or when nothing is subscribed.</summary>
    string? InstanceQueueName { get; }

    /// <summary>Reads the bridge's counters.</summary>
    /// <returns>A snapshot.</returns>
    RabbitMQBridgeStatistics GetStatistics();
}
