namespace EventBus.Sqlite.Storage.Operations;

/// <summary>
/// One caller's request to the writer thread. The writer runs a batch of them in one transaction
/// (<see cref="Execute"/> for each), commits, and only then publishes what they did (<see cref="Complete"/>): in-memory
/// effects and the caller's task never run ahead of the disk. A batch retried after a busy answer is
/// <see cref="Reset"/> and executed again; a batch that cannot commit fails every operation in it.
/// </summary>
internal abstract class StoreOperation
{
    /// <summary>False for operations that only read: a batch of such operations (and claims that find nothing)
    /// opens a deferred transaction that never takes the write lock.</summary>
    internal virtual bool Writes => true;

    /// <summary>The queue whose feeder should look again after this operation commits, or null.</summary>
    internal virtual ItemStoreBase? Wakes => null;

    /// <summary>Runs the operation's statements inside the batch's transaction (on the writer thread). Throws to
    /// fail the whole batch (a busy database, an I/O error); a problem of this operation alone is kept and
    /// reported by <see cref="Complete"/>.</summary>
    internal abstract void Execute(StoreSession session);

    /// <summary>Forgets what <see cref="Execute"/> gathered, before the batch runs again.</summary>
    internal virtual void Reset()
    {
    }

    /// <summary>The batch committed: apply the in-memory effects and complete the caller's task. Never throws.</summary>
    internal abstract void Complete();

    /// <summary>The batch was given up: fault the caller's task. Never throws.</summary>
    internal abstract void Fail(Exception error);
}
