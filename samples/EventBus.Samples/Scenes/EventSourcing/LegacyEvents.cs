namespace EventBus.Samples.Scenes.EventSourcing;

// Payload shapes written by the previous version of the application. They are only ever read
// (and upcast); nothing writes them any more, except the scene seeding last year's log.

/// <summary><c>AccountOpened</c>, schema v1: the owner was called the holder.</summary>
internal sealed record AccountOpenedV1(string AccountId, string Holder, string Currency);

/// <summary><c>MoneyDeposited</c>, schema v1: amount and currency in one string, "120.00 EUR".</summary>
internal sealed record MoneyDepositedV1(string AccountId, string Amount);
