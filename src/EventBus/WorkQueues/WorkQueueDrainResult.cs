namespace EventBus;

/// <summary>What draining a work queue achieved, with the items it had to abandon handed back.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks><see cref="DrainResult.Delivered"/> counts items processed successfully.</remarks>
public sealed class WorkQueueDrainResult<T> : DrainResult
{
    /// <summary>Creates a drain result.</summary>
    /// <param name="completed">Whether everything accepted was handled before the deadline.</param>
    /// <param name="processed">Items processed successfully.</param>
    /// <param name="deadLettered">Items dead-lettered.</param>
    /// <param name="dropped">Items dropped.</param>
    /// <param name="abandoned">Items abandoned.</param>
    /// <param name="elapsed">How long the drain took.</param>
    /// <param name="abandonedItems">The abandoned items.</param>
    /// <exception cref="ArgumentNullException"><paramref name="abandonedItems"/> is null.</exception>
    public WorkQueueDrainResult(
        bool completed, long processed, long deadLettered, long dropped, long abandoned, TimeSpan elapsed, IReadOnlyList<T> abandonedItems)
        : base(completed, processed, deadLettered, dropped, abandoned, elapsed)
    {
        ArgumentNullException.ThrowIfNull(abandonedItems);
        AbandonedItems = abandonedItems;
    }

    /// <summary>
    /// Every item the queue abandoned (at a drain deadline or on <c>Dispose</c>), in the order they were
    /// given up, so the caller can persist or re-submit them. Each was also reported through
    /// <see cref="EventBusOptions.OnDropped"/> with <see cref="DropReason.Abandoned"/>. An item whose handler
    /// ignored cancellation and was still running at the deadline is included; that handler may
    /// still finish it later.
    /// </summary>
    public IReadOnlyList<T> AbandonedItems { get; }
}
