using EventBus.Consumers;

namespace EventBus.PubSub;

/// <summary>What the bus needs from a subscription, whatever its event type.</summary>
internal interface ISubscriptionEntry : IEventSubscription
{
    /// <summary>Creation order; routes list targets in this order.</summary>
    long Sequence { get; }

    /// <summary>True when the handler takes an <see cref="EventContext"/>.</summary>
    bool WantsContext { get; }

    /// <summary>The subscription's consumer lifecycle: the bus's stop requests go through it too.</summary>
    ConsumerLifecycle Lifecycle { get; }

    /// <summary>Set (under the bus's lock) once the subscription's counters were folded into the bus totals.</summary>
    bool IsRetired { get; set; }

    /// <summary>Whether events of <paramref name="runtimeType"/> published on <paramref name="topic"/> reach this subscription.</summary>
    bool Matches(Type runtimeType, string? topic);

    /// <summary>Adds this subscription to a route being built for events of <typeparamref name="TRoute"/>.</summary>
    void AddTo<TRoute>(RouteSnapshot<TRoute>.Builder builder);

    /// <summary>When the caller runs inside one of this subscription's handlers: what a stop requested from
    /// there may wait for (it cannot wait for itself). Null otherwise.</summary>
    Task? WaitFromInside();

    /// <summary>After a halt: waits, at most until <paramref name="deadline"/> (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp), for this subscription's handler calls still running (but the caller's own).</summary>
    void WaitForRunningHandlers(long deadline);
}
