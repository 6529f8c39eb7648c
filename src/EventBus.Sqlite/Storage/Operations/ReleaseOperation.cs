namespace EventBus.Sqlite.Storage.Operations;

/// <summary>An item that was never started goes back to the store as it was.</summary>
internal sealed class ReleaseOperation<T>(SqliteItemStore<T> store, DurableItem<T> item) : ItemOutcomeOperation<T>(store, item)
{
    protected override int ExecuteOutcome(StoreSession session)
    {
        var release = session.Commands.Release;
        StoreCommands.Bind(release, Item.Id);
        return release.ExecuteNonQuery();
    }

    protected override void Applied() => ItemStoreBase.Counted(ref Store.Counters.Released);
}
