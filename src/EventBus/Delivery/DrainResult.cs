namespace EventBus;

/// <summary>What a drain (<c>CompleteAsync</c>) achieved, and the totals over the life of the bus or queue.</summary>
/// <param name="completed">The <see cref="Completed"/> flag.</param>
/// <param name="delivered">The <see cref="Delivered"/> count.</param>
/// <param name="deadLettered">The <see cref="DeadLettered"/> count.</param>
/// <param name="dropped">The <see cref="Dropped"/> count.</param>
/// <param name="abandoned">The <see cref="Abandoned"/> count.</param>
/// <param name="elapsed">How long the drain took.</param>
/// <remarks>Not sealed: a work queue returns a <see cref="WorkQueueDrainResult{T}"/> that also hands back the abandoned items.</remarks>
public class DrainResult(bool completed, long delivered, long deadLettered, long dropped, long abandoned, TimeSpan elapsed)
{
    /// <summary><see langword="true"/> when every accepted message was handled (delivered or dead-lettered) before the
    /// deadline; <see langword="false"/> when some were abandoned.</summary>
    public bool Completed { get; } = completed;

    /// <summary>Successful handler deliveries over the life of the bus: one per subscription per event (one per item
    /// for a work queue).</summary>
    public long Delivered { get; } = delivered;

    /// <summary>Messages whose handler failed on every attempt and went to the dead-letter sink.</summary>
    public long DeadLettered { get; } = deadLettered;

    /// <summary>Messages dropped on purpose (full modes) or discarded by an unsubscription, before the drain.</summary>
    public long Dropped { get; } = dropped;

    /// <summary>Messages still buffered, waiting for a retry, or in a handler that was still running when the deadline
    /// passed. Each was also reported through <see cref="EventBusOptions.OnDropped"/> with
    /// <see cref="DropReason.Abandoned"/>.</summary>
    public long Abandoned { get; } = abandoned;

    /// <summary>How long the drain took.</summary>
    public TimeSpan Elapsed { get; } = elapsed;

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Completed ? "drained" : "deadline hit")}: delivered {Delivered}, dead-lettered {DeadLettered}, " +
        $"dropped {Dropped}, abandoned {Abandoned} in {Elapsed.TotalMilliseconds:F0} ms";
}
