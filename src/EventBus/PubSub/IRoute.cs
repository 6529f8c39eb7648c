namespace EventBus.PubSub;

/// <summary>A route as the bus sees it when subscriptions come and go (always under the bus's lock).</summary>
internal interface IRoute
{
    /// <summary>Adds <paramref name="entry"/> when it matches this route.</summary>
    void OnSubscribed(ISubscriptionEntry entry);

    /// <summary>Removes <paramref name="entry"/> if present.</summary>
    void OnUnsubscribed(ISubscriptionEntry entry);
}
