namespace EventBus.Samples.Scenes.EventSourcing;

// What the write side is asked to do. A command may be refused; an event, once stored, is a fact.

internal abstract record AccountCommand(string AccountId);

internal sealed record OpenAccount(string AccountId, string Owner, string Currency) : AccountCommand(AccountId)
{
    public override string ToString() => $"open {AccountId} for {Owner} in {Currency}";
}

internal sealed record Deposit(string AccountId, decimal Amount) : AccountCommand(AccountId)
{
    public override string ToString() => FormattableString.Invariant($"deposit {Amount:0.00} into {AccountId}");
}

internal sealed record Withdraw(string AccountId, decimal Amount) : AccountCommand(AccountId)
{
    public override string ToString() => FormattableString.Invariant($"withdraw {Amount:0.00} from {AccountId}");
}
