namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// The read model, kept up to date by applying events. The same code serves the live projection
/// (fed by the bus) and a rebuild (fed straight from the log), which is what makes the two comparable.
/// </summary>
internal sealed class AccountReadModel
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, AccountSummary> _rows = new(StringComparer.Ordinal);

    public IReadOnlyList<AccountSummary> Rows
    {
        get
        {
            lock (_gate)
            {
                return [.. _rows.Values];
            }
        }
    }

    /// <summary>Applies an event unless it was already applied.</summary>
    /// <returns><see langword="false"/> for an event at or below the row's version (a redelivery).</returns>
    public bool Apply(IAccountEvent @event, int streamVersion)
    {
        ArgumentNullException.ThrowIfNull(@event);
        lock (_gate)
        {
            _rows.TryGetValue(@event.AccountId, out var row);
            if (streamVersion <= (row?.Version ?? 0))
            {
                return false;
            }

            _rows[@event.AccountId] = (@event, row) switch
            {
                (AccountOpened opened, _) => new AccountSummary(opened.AccountId, opened.Owner, 0m, opened.Currency, 0, 0, streamVersion),
                (MoneyDeposited deposited, { } current) => current with
                {
                    Balance = current.Balance + deposited.Amount,
                    Deposits = current.Deposits + 1,
                    Version = streamVersion,
                },
                (MoneyWithdrawn withdrawn, { } current) => current with
                {
                    Balance = current.Balance - withdrawn.Amount,
                    Withdrawals = current.Withdrawals + 1,
                    Version = streamVersion,
                },
                _ => throw new InvalidOperationException($"{@event.GetType().Name} for {@event.AccountId} arrived before the account was opened."),
            };
            return true;
        }
    }

    /// <summary>Builds a fresh read model by replaying the whole log.</summary>
    public static AccountReadModel Rebuild(IEnumerable<StoredEvent> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var model = new AccountReadModel();
        foreach (var stored in log)
        {
            model.Apply(EventSerializer.Deserialize(stored).Event, stored.StreamVersion);
        }

        return model;
    }
}
