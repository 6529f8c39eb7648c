using EventBus.Delivery;

namespace EventBus.PubSub;

/// <summary>
/// What a subscription needs from the bus that owns it, passed in when it is created: the shared services,
/// the bus's state, and the two calls by which a subscription that stops on its own tells the bus.
/// </summary>
internal interface ISubscriptionHost
{
    /// <summary>The services every consumer of the bus shares.</summary>
    DeliveryEnvironment Environment { get; }

    /// <summary>True once the bus no longer accepts publishes.</summary>
    bool IsClosed { get; }

    /// <summary>The drain timeout as a finite bound for safety waits.</summary>
    TimeSpan DrainTimeoutOrDefault { get; }

    /// <summary>Throws the bus's <see cref="ObjectDisposedException"/> when it is closed.</summary>
    void ThrowIfClosed();

    /// <summary>A deadline of <see cref="EventBusOptions.DrainTimeout"/> on the bus's clock.</summary>
    CancellationTokenSource CreateDrainDeadline();

    /// <summary>Takes the subscription off every route: no publish reaches it from now on. Idempotent.</summary>
    void Unregister(ISubscriptionEntry subscription);

    /// <summary>The subscription has stopped: its counters move into the bus's totals. Idempotent.</summary>
    void Retire(ISubscriptionEntry subscription);
}
