namespace EventBus.Sqlite.Storage.Operations;

/// <summary>Moves dead letters back into the queue as new rows (at its end, due now) with a fresh attempt budget,
/// keeping their message id, payload, schema version, key and enqueue time.</summary>
internal sealed class RedriveOperation(ItemStoreBase store, IReadOnlyCollection<long>? ids) : StoreOperation<int>
{
    private int _moved;

    internal override ItemStoreBase? Wakes => store;

    internal override void Execute(StoreSession session)
    {
        var commands = session.Commands;
        if (ids is null)
        {
            StoreCommands.Bind(commands.RedriveAll, store.QueueName, session.Now);
            _moved = commands.RedriveAll.ExecuteNonQuery();
            StoreCommands.Bind(commands.DeleteAllDeadLetters, store.QueueName);
            commands.DeleteAllDeadLetters.ExecuteNonQuery();
            return;
        }

        foreach (var id in ids)
        {
            StoreCommands.Bind(commands.RedriveOne, id, store.QueueName, session.Now);
            if (commands.RedriveOne.ExecuteNonQuery() == 1)
            {
                StoreCommands.Bind(commands.DeleteDeadLetter, id, store.QueueName);
                commands.DeleteDeadLetter.ExecuteNonQuery();
                _moved++;
            }
        }
    }

    internal override void Reset() => _moved = 0;

    protected override int Commit()
    {
        ItemStoreBase.Counted(ref store.Counters.Redriven, _moved);
        return _moved;
    }
}
