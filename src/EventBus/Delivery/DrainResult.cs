namespace EventBus;

/// <summary>What a drain (<c>CompleteAsync</c>) achieved, and the totals over the life of the bus or queue.</summary>
/// <remarks>Not sealed so that a work queue can return a <see cref="WorkQueueDrainResult{T}"/> that also hands
/// back the abandoned items.</remarks>
public class DrainResult
{
    /// <summary>Creates a drain result.</summary>
    /// <param name="completed">Whether everything accepted was handled before the deadline.</param>
    /// <param name="delivered">Successful handler deliveries.</param>
    /// <param name="deadLettered">Messages dead-lettered.</param>
    /// <param name="dropped">Messages dropped by full modes or unsubscription.</param>
    /// <param name="abandoned">Messages left unhandled at the deadline.</param>
    /// <param name="elapsed">How long the drain took.</param>
    public DrainResult(bool completed, long delivered, long deadLettered, long dropped, long abandoned, TimeSpan elapsed)
    {
        Completed = completed;
        Delivered = delivered;
        DeadLettered = deadLettered;
        Dropped = dropped;
        Abandoned = abandoned;
        Elapsed = elapsed;
    }

    /// <summary><see langword="true"/> when every accepted message was handled (delivered or dead-lettered)
    /// before the deadline; <see langword="false"/> when some were abandoned.</summary>
    public bool Completed { get; }

    /// <summary>Successful handler deliveries over the life of the bus: one per subscription per event
    /// (one per item for a work queue).</summary>
    public long Delivered { get; }

    /// <summary>Messages whose handler failed on every attempt and went to the dead-letter sink.</summary>
    public long DeadLettered { get; }

    /// <summary>Messages dropped on purpose (full modes) or discarded by an unsubscription, before the drain.</summary>
    public long Dropped { get; }

    /// <summary>Messages still buffered, waiting for a retry, or in a handler that was still running when
    /// the deadline passed. Each was also reported through <see cref="EventBusOptions.OnDropped"/>
    /// with <see cref="DropReason.Abandoned"/>.</summary>
    public long Abandoned { get; }

    /// <summary>How long the drain took.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Completed ? "drained" : "deadline hit")}: delivered {Delivered}, dead-lettered {DeadLettered}, " +
        $"dropped {Dropped}, abandoned {Abandoned} in {Elapsed.TotalMilliseconds:F0} ms";
}
