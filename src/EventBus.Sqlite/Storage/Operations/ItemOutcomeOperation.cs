namespace EventBus.Sqlite.Storage.Operations;

/// <summary>An outcome for one leased item. The item was marked as settling at the call; the commit settles it
/// (or, for a failure kept by the consumer, hands it back leased), and a failed batch hands it back leased so
/// that the consumer can report again.</summary>
internal abstract class ItemOutcomeOperation<T>(SqliteItemStore<T> store, DurableItem<T> item) : StoreOperation<bool>
{
    private bool _missing;

    protected SqliteItemStore<T> Store { get; } = store;

    protected DurableItem<T> Item { get; } = item;

    /// <summary>Whether the lease ends with this outcome.</summary>
    protected virtual bool EndsLease => true;

    /// <summary>An ended lease may unblock the next item of its key, or return the row itself.</summary>
    internal override ItemStoreBase? Wakes => EndsLease ? Store : null;

    internal sealed override void Execute(StoreSession session)
    {
        _missing = ExecuteOutcome(session) == 0;
    }

    internal sealed override void Reset() => _missing = false;

    protected sealed override bool Commit()
    {
        if (_missing)
        {
            Volatile.Write(ref Item.State, DurableItem<T>.Settled);
            Store.LeaseEnded();
            throw new InvalidOperationException(
                $"Item {Item.Id} of queue '{Store.QueueName}' is no longer in the database (deleted by another connection?); its outcome was not recorded.");
        }

        Applied();
        if (EndsLease)
        {
            Volatile.Write(ref Item.State, DurableItem<T>.Settled);
            Store.LeaseEnded();
        }
        else
        {
            Volatile.Write(ref Item.State, DurableItem<T>.Leased);
        }

        return true;
    }

    protected sealed override void OnFailed() => Volatile.Write(ref Item.State, DurableItem<T>.Leased);

    /// <summary>Runs the statements; returns the number of item rows affected (0: the row is gone).</summary>
    protected abstract int ExecuteOutcome(StoreSession session);

    /// <summary>Applies the committed outcome to the item and the counters.</summary>
    protected abstract void Applied();
}
