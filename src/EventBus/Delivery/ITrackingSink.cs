namespace EventBus.Delivery;

/// <summary>
/// Hears every publish and enqueue of one bus or work queue, and how each consumer finished with it: the hook of the
/// EventBus.Testing package's tracker. Set on a <see cref="DeliveryEnvironment"/> while a tracker is attached; while it
/// is set every publish creates an <see cref="EventContext"/> (with a <see cref="PubSub.PublishTracker"/>), so the
/// inline fast path steps aside.
/// </summary>
/// <remarks>Calls come from publishers' threads and consumer loops at once, and must not throw or block.</remarks>
internal interface ITrackingSink
{
    /// <summary>A publish (<paramref name="queue"/> null) or enqueue (the queue's name) created
    /// <paramref name="context"/> for <paramref name="message"/>, before any consumer received it.</summary>
    void Published(EventContext context, object? message, string? queue);

    /// <summary>The consumer <paramref name="consumer"/> finished with the message of <paramref name="context"/>
    /// (<paramref name="consumer"/> null: <paramref name="count"/> consumers the publish never reached).</summary>
    void Finished(EventContext context, string? consumer, TrackedEnd end, int attempts, DropReason? reason, int count = 1);

    /// <summary>Every consumer the message reached has finished with it.</summary>
    void Settled(PublishSettlement settlement);
}

/// <summary>How one consumer finished with one message, as a tracking sink hears it.</summary>
internal enum TrackedEnd
{
    Handled,
    DeadLettered,
    Dropped,
    Abandoned,
}
