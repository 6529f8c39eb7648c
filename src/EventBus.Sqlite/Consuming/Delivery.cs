using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.Consuming;

/// <summary>
/// One claimed item while the engine holds it: its leased row, the context the engine carries, how many attempts
/// have begun (earlier runs' included), whether a handler was called in this process, and the store write for it
/// that is still in progress, so that the next outcome waits for it (the store takes one outcome at a time).
/// </summary>
/// <remarks>The engine hands an item from one owner to the next (a worker, a retry timer, a halt) with a single
/// winner at each step, so these fields have one writer at a time; <see cref="Started"/> is also read by a halt that
/// claims the item from another thread, after the engine's own barriers.</remarks>
internal sealed class Delivery<T>(DurableItem<T> item, EventContext? context)
{
    /// <summary>The leased row.</summary>
    internal DurableItem<T> Item { get; } = item;

    /// <summary>The context of the hand-out (null for an item that never reached the engine).</summary>
    internal EventContext? Context { get; } = context;

    /// <summary>Attempts begun so far, counting the failed attempts stored by earlier runs.</summary>
    internal int Attempt = item.Attempts;

    /// <summary>1 once a handler was called with the item in this process: a stop that abandons it then leaves
    /// its lease, so that the next start hands it out flagged as redelivered.</summary>
    internal int Started;

    /// <summary>The last store write for the item, or null.</summary>
    internal Task? Pending;
}
