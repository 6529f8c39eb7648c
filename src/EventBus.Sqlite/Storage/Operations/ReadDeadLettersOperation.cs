namespace EventBus.Sqlite.Storage.Operations;

/// <summary>Reads a queue's dead letters, oldest first.</summary>
internal sealed class ReadDeadLettersOperation(ItemStoreBase store, int maxCount) : StoreOperation<IReadOnlyList<DurableDeadLetter>>
{
    private readonly List<DurableDeadLetter> _letters = [];

    internal override bool Writes => false;

    internal override void Execute(StoreSession session)
    {
        var read = session.Commands.ReadDeadLetters;
        StoreCommands.Bind(read, store.QueueName, maxCount);
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            _letters.Add(new DurableDeadLetter(
                Id: reader.GetInt64(0),
                ItemId: reader.GetInt64(1),
                Queue: reader.GetString(2),
                MessageId: Guid.Parse(reader.GetString(3)),
                PartitionKey: reader.IsDBNull(4) ? null : reader.GetString(4),
                SchemaVersion: reader.GetInt32(5),
                Payload: reader.GetFieldValue<byte[]>(6),
                EnqueuedAt: Timestamps.FromStored(reader.GetInt64(7)),
                Attempts: reader.GetInt32(8),
                FirstFailedAt: reader.IsDBNull(9) ? null : Timestamps.FromStored(reader.GetInt64(9)),
                DeadLetteredAt: Timestamps.FromStored(reader.GetInt64(10)),
                Reason: reader.GetString(11),
                ExceptionType: reader.IsDBNull(12) ? null : reader.GetString(12),
                ExceptionMessage: reader.IsDBNull(13) ? null : reader.GetString(13),
                Redeliveries: reader.GetInt32(14)));
        }
    }

    internal override void Reset() => _letters.Clear();

    protected override IReadOnlyList<DurableDeadLetter> Commit() => _letters.ToArray();
}
