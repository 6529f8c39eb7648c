namespace EventBus.Samples.Infrastructure;

/// <summary>What the bus said about a run: the drain result and each subscription's counters.</summary>
internal sealed record BusReport(DrainResult Drain, IReadOnlyList<SubscriptionReport> Subscriptions)
{
    /// <summary>The counters of the subscription named <paramref name="name"/>.</summary>
    public SubscriptionStatistics this[string name]
    {
        get
        {
            foreach (var subscription in Subscriptions)
            {
                if (subscription.Name == name)
                {
                    return subscription.Statistics;
                }
            }

            throw new KeyNotFoundException($"No subscription is named '{name}'.");
        }
    }
}
