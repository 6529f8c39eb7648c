namespace EventBus.Sqlite.Storage.Operations;

/// <summary>
/// Leases up to a number of due rows, oldest first, skipping rows whose key has an earlier row still in the
/// table. Unreadable rows are dead-lettered in the same transaction and the search goes on past them. When
/// fewer rows than asked were found, the earliest later due time is noted for the feeder's wait.
/// </summary>
internal sealed class ClaimOperation<T>(SqliteItemStore<T> store, int maxCount) : StoreOperation<IReadOnlyList<DurableItem<T>>>
{
    private readonly List<DurableItem<T>> _claimed = [];
    private readonly List<(long Id, int Version, byte[] Payload, object?[] Columns)> _rows = [];
    private int _unreadable;
    private long? _nextDue;
    private bool _searchedAll;

    // A claim that finds nothing writes nothing: it can share a deferred (read) transaction with other reads.
    internal override bool Writes => false;

    // Dead-lettered rows unblock the rows behind them; the feeder is woken only then.
    internal override ItemStoreBase? Wakes => _unreadable > 0 ? store : null;

    internal override void Execute(StoreSession session)
    {
        var format = store.Format;
        while (_claimed.Count < maxCount)
        {
            var wanted = maxCount - _claimed.Count;
            ReadCandidates(session, wanted);
            if (_rows.Count == 0)
            {
                _searchedAll = true;
                break;
            }

            var found = _rows.Count;
            foreach (var (id, version, payload, columns) in _rows)
            {
                if (format.TryRead(version, payload, out var item, out var reason, out var errorType, out var detail))
                {
                    var lease = session.Commands.Lease;
                    StoreCommands.Bind(lease, id);
                    lease.ExecuteNonQuery();
                    _claimed.Add(store.CreateItem(id, item, columns));
                }
                else
                {
                    DeadLetterOperation<T>.MoveToDeadLetters(session, id, extraAttempts: 0, reason, errorType, detail);
                    _unreadable++;
                }
            }

            if (found < wanted)
            {
                _searchedAll = true;
                break;
            }
        }

        if (_searchedAll)
        {
            var next = session.Commands.NextDue;
            StoreCommands.Bind(next, store.QueueName, session.Now);
            _nextDue = next.ExecuteScalar() is long due ? due : null;
        }
    }

    internal override void Reset()
    {
        _claimed.Clear();
        _rows.Clear();
        _unreadable = 0;
        _nextDue = null;
        _searchedAll = false;
    }

    protected override IReadOnlyList<DurableItem<T>> Commit()
    {
        store.Claimed(_claimed.Count, _unreadable, _searchedAll, _nextDue);
        return _claimed.Count == 0 ? [] : _claimed.ToArray();
    }

    private void ReadCandidates(StoreSession session, int limit)
    {
        _rows.Clear();
        var select = session.Commands.SelectClaimable;
        StoreCommands.Bind(select, store.QueueName, session.Now, limit);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            // id, message_id, partition_key, schema_version, payload, enqueued_at, attempts, first_failed_at, redeliveries
            var columns = new object?[9];
            for (var i = 0; i < columns.Length; i++)
            {
                columns[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            _rows.Add(((long)columns[0]!, checked((int)(long)columns[3]!), (byte[])columns[4]!, columns));
        }
    }
}
