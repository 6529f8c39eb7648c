namespace EventBus.Sqlite.Storage.Operations;

/// <summary>A failed attempt with a retry due: attempts, due time, first failure and the error are stored.</summary>
internal sealed class RecordFailureOperation<T>(
    SqliteItemStore<T> store,
    DurableItem<T> item,
    long dueAt,
    string errorType,
    string errorMessage,
    DurableRetryPlacement placement)
    : ItemOutcomeOperation<T>(store, item)
{
    private long _now;

    protected override bool EndsLease => placement == DurableRetryPlacement.ReturnToStore;

    protected override int ExecuteOutcome(StoreSession session)
    {
        _now = session.Now;
        var update = session.Commands.RecordFailure;
        StoreCommands.Bind(update, Item.Id, dueAt, session.Now, errorType, errorMessage, EndsLease ? 0 : 1);
        return update.ExecuteNonQuery();
    }

    protected override void Applied()
    {
        Item.Attempts++;
        Item.FirstFailedAt ??= Timestamps.FromStored(_now);
        ItemStoreBase.Counted(ref Store.Counters.FailedAttempts);
        if (EndsLease)
        {
            Store.RetryReturned(dueAt);
        }
    }
}
