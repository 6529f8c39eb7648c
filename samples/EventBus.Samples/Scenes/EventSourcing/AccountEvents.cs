namespace EventBus.Samples.Scenes.EventSourcing;

// The account's events, current schema. Kept together: they are the account's whole history
// vocabulary, and reading them side by side is the point.

/// <summary>Something that happened to one account.</summary>
internal interface IAccountEvent
{
    string AccountId { get; }
}

internal sealed record AccountOpened(string AccountId, string Owner, string Currency) : IAccountEvent;

internal sealed record MoneyDeposited(string AccountId, decimal Amount, string Currency) : IAccountEvent;

internal sealed record MoneyWithdrawn(string AccountId, decimal Amount, string Currency) : IAccountEvent;
