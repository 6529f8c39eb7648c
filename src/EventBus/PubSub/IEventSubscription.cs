namespace EventBus;

/// <summary>A live subscription. Dispose it to unsubscribe.</summary>
/// <remarks>
/// <para><see cref="IDisposable.Dispose"/> unsubscribes at once: no handler call starts after it
/// returns. Events still buffered are discarded, each counted and reported as
/// <see cref="DropReason.Unsubscribed"/>. For a queued subscription, a handler call already running
/// on another thread is waited for (as <see cref="CancellationTokenRegistration.Dispose"/> does),
/// unless <c>Dispose</c> is called from inside that handler. For an inline subscription, a publish
/// already running on another thread may still call the handler once.</para>
/// <para><see cref="IAsyncDisposable.DisposeAsync"/> stops intake and lets the subscription finish
/// every event it already accepted, bounded by <see cref="EventBusOptions.DrainTimeout"/>.</para>
/// </remarks>
public interface IEventSubscription : IDisposable, IAsyncDisposable
{
    /// <summary>The subscription's name, used in logs, metrics and dead letters.</summary>
    string Name { get; }

    /// <summary>The event type subscribed to; events of derived types are received too.</summary>
    Type EventType { get; }

    /// <summary>The topic subscribed to, or <see langword="null"/>.</summary>
    string? Topic { get; }

    /// <summary>Queued or inline.</summary>
    DeliveryMode Mode { get; }

    /// <summary>Events buffered and not yet handed to the handler (for inline, those waiting behind its lane).</summary>
    int PendingCount { get; }

    /// <summary>How many events the subscription buffers (<see cref="SubscriptionOptions.Capacity"/>);
    /// <see cref="PendingCount"/> can exceed it by what waits in the overflow. An inline subscription buffers
    /// only events that find its lane taken (another publisher's call, or a retry).</summary>
    int Capacity { get; }

    /// <summary>Whether the subscription still receives events.</summary>
    bool IsActive { get; }

    /// <summary>Reads the subscription's counters.</summary>
    /// <returns>A snapshot.</returns>
    SubscriptionStatistics GetStatistics();
}
