namespace EventBus.Samples.Scenes.Durability;

/// <summary>One row of the shop's ledger: a parcel handed to the courier, by which run of the worker process.</summary>
internal sealed record Shipment(int Order, Guid MessageId, int Run);
