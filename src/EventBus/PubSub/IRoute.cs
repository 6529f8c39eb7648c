namespace EventBus.PubSub;

/// <summary>A route, whatever its event type, as the bus keeps it: updated on every subscribe and unsubscribe.</summary>
internal interface IRoute
{
    /// <summary>The run-time type of the events it carries.</summary>
    Type RuntimeType { get; }

    /// <summary>Its topic, or null.</summary>
    string? Topic { get; }

    /// <summary>True when a typed publisher holds it, so it must never be released.</summary>
    bool IsPinned { get; }

    /// <summary>Adds <paramref name="entry"/> to the route's targets when it matches.</summary>
    void OnSubscribed(ISubscriptionEntry entry);

    /// <summary>Removes <paramref name="entry"/> from the route's targets.</summary>
    void OnUnsubscribed(ISubscriptionEntry entry);

    /// <summary>The bus no longer accepts publishes: every publish on this route now throws.</summary>
    void Close();

    /// <summary>Takes the route out of its type's table: the bus no longer needs it.</summary>
    void Release();
}
