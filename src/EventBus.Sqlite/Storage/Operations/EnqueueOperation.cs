namespace EventBus.Sqlite.Storage.Operations;

/// <summary>Inserts one serialized item. Its caller's task completes after the commit that contains it.</summary>
internal sealed class EnqueueOperation(ItemStoreBase store, string messageId, string? partitionKey, int schemaVersion, byte[] payload, long enqueuedAt)
    : StoreOperation<bool>
{
    internal override ItemStoreBase? Wakes => store;

    internal override void Execute(StoreSession session)
    {
        var insert = session.Commands.Insert;
        StoreCommands.Bind(insert, store.QueueName, messageId, partitionKey, schemaVersion, payload, enqueuedAt);
        insert.ExecuteNonQuery();
    }

    protected override bool Commit()
    {
        ItemStoreBase.Counted(ref store.Counters.Enqueued);
        return true;
    }
}
