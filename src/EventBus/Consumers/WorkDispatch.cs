namespace EventBus.Consumers;

/// <summary>
/// A policy for where a consumer's workers take work from, for faces that do not hand items out straight
/// from the buffer (per-key order, batches). The engine keeps the buffer, the slots, the counting and the
/// lifecycle; a policy moves items from the buffer to the slots in its own order, through the engine's
/// calls (<see cref="Consumer{T}.HandleAsync"/>, <see cref="Consumer{T}.Lose(in WorkItem{T}, DropReason, int)"/>).
/// </summary>
/// <remarks>Every item a policy holds (parked, ready, forming) is its own to lose at a halt: the hand-overs
/// between the buffer, the policy and a slot each have a single winner.</remarks>
internal abstract class WorkDispatch<T>
{
    /// <summary>The consumer this policy serves; set once, when the consumer is built.</summary>
    protected Consumer<T> Consumer { get; private set; } = null!;

    /// <summary>A name for the mode, for logs.</summary>
    internal abstract string ModeName { get; }

    /// <summary>Items the policy holds outside the buffer and the slots.</summary>
    internal abstract int Held { get; }

    internal void Attach(Consumer<T> consumer) => Consumer = consumer;

    /// <summary>Starts what the policy runs beside the slots (a pump), once, with the slots.</summary>
    internal abstract void Start();

    /// <summary>One slot's loop.</summary>
    internal abstract Task RunWorkerAsync(ConsumerWorker<T> worker);

    /// <summary>A retried item (or batch) whose backoff has passed comes back.</summary>
    internal abstract void Reinject(WorkItem<T> item, Batch<T>? batch);

    /// <summary>At a halt: loses everything the policy holds, with <paramref name="reason"/>.</summary>
    internal abstract void Halt(DropReason reason);

    /// <summary>Intake closed (a drain or a halt began): nothing more is coming, so nothing should linger.</summary>
    internal virtual void OnClosing()
    {
    }

    /// <summary>The consumer stopped with nothing left: the policy's loops may end.</summary>
    internal abstract void Complete();

    /// <summary>True when everything the policy holds can only move once a handler that waits inside a stop
    /// call (<see cref="ConsumerWorker{T}.WaitingInside"/>) returns.</summary>
    internal virtual bool OnlyWaitsForInsideWaiters() => Held == 0;
}
