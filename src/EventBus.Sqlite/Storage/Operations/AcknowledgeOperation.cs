namespace EventBus.Sqlite.Storage.Operations;

/// <summary>The handler succeeded: the row is deleted.</summary>
internal sealed class AcknowledgeOperation<T>(SqliteItemStore<T> store, DurableItem<T> item) : ItemOutcomeOperation<T>(store, item)
{
    protected override int ExecuteOutcome(StoreSession session)
    {
        var delete = session.Commands.Delete;
        StoreCommands.Bind(delete, Item.Id);
        return delete.ExecuteNonQuery();
    }

    protected override void Applied() => ItemStoreBase.Counted(ref Store.Counters.Acknowledged);
}
