namespace EventBus.PubSub;

/// <summary>What the bus needs from a subscription, whatever its event type.</summary>
internal interface ISubscriptionEntry : IEventSubscription
{
    /// <summary>Creation order; routes list targets in this order.</summary>
    long Sequence { get; }

    /// <summary>True when the handler takes an <see cref="EventContext"/>.</summary>
    bool WantsContext { get; }

    /// <summary>Whether events of <paramref name="runtimeType"/> published on <paramref name="topic"/> reach this subscription.</summary>
    bool Matches(Type runtimeType, string? topic);

    /// <summary>Adds this subscription to a route being built for events of <typeparamref name="TRoute"/>.</summary>
    void AddTo<TRoute>(RouteSnapshot<TRoute>.Builder builder);

    /// <summary>Set (under the bus's lock) once the subscription's counters were folded into the bus totals.</summary>
    bool IsRetired { get; set; }

    /// <summary>Claims the subscription for shutdown; false when it is already stopping.</summary>
    bool TryBeginStop();

    /// <summary>Delivers what was accepted, until <paramref name="deadline"/>; returns how many were abandoned.</summary>
    Task<long> DrainAsync(CancellationToken deadline);

    /// <summary>Stops at once; buffered events are lost with <paramref name="reason"/>, each counted and reported.</summary>
    void Halt(DropReason reason, bool waitForRunningHandlers);
}
