namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>A row of the read model: shaped for the screen that shows accounts, not for deciding anything.</summary>
internal sealed record AccountSummary(string AccountId, string Owner, decimal Balance, string Currency, int Deposits, int Withdrawals, int Version);
