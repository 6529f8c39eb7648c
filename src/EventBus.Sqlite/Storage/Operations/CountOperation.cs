namespace EventBus.Sqlite.Storage.Operations;

/// <summary>Counts a queue's rows by state, in one read.</summary>
internal sealed class CountOperation(ItemStoreBase store) : StoreOperation<DurableQueueCounts>
{
    private DurableQueueCounts _counts;

    internal override bool Writes => false;

    internal override void Execute(StoreSession session)
    {
        var count = session.Commands.Count;
        StoreCommands.Bind(count, store.QueueName, session.Now);
        using var reader = count.ExecuteReader();
        reader.Read();
        _counts = new DurableQueueCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    protected override DurableQueueCounts Commit() => _counts;
}
