namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// The write model: just enough state to decide whether a command is allowed, rebuilt from the
/// account's events every time. It never stores its state; its events are its state.
/// </summary>
internal sealed class Account
{
    private Account(string id) => Id = id;

    public string Id { get; }

    public bool IsOpen { get; private set; }

    public string Currency { get; private set; } = "";

    public decimal Balance { get; private set; }

    /// <summary>How many events the account has: the version an append must expect.</summary>
    public int Version { get; private set; }

    public static Account FromHistory(string id, IEnumerable<IAccountEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var account = new Account(id);
        foreach (var @event in history)
        {
            account.Apply(@event);
        }

        return account;
    }

    /// <summary>Validates a command against the current state and returns the events it causes, or why not.</summary>
    public (IReadOnlyList<IAccountEvent> Events, string? Rejection) Decide(AccountCommand command) => command switch
    {
        OpenAccount when IsOpen => ([], "the account is already open"),
        OpenAccount open => ([new AccountOpened(open.AccountId, open.Owner, open.Currency)], null),
        _ when !IsOpen => ([], "no such account"),
        Deposit { Amount: <= 0 } => ([], "the amount must be positive"),
        Deposit deposit => ([new MoneyDeposited(Id, deposit.Amount, Currency)], null),
        Withdraw { Amount: <= 0 } => ([], "the amount must be positive"),
        Withdraw withdraw when withdraw.Amount > Balance => ([], FormattableString.Invariant($"insufficient funds: the balance is {Balance:0.00} {Currency}")),
        Withdraw withdraw => ([new MoneyWithdrawn(Id, withdraw.Amount, Currency)], null),
        _ => ([], $"unknown command {command.GetType().Name}"),
    };

    private void Apply(IAccountEvent @event)
    {
        switch (@event)
        {
            case AccountOpened opened:
                IsOpen = true;
                Currency = opened.Currency;
                break;
            case MoneyDeposited deposited:
                Balance += deposited.Amount;
                break;
            case MoneyWithdrawn withdrawn:
                Balance -= withdrawn.Amount;
                break;
        }

        Version++;
    }
}
