namespace EventBus.Samples.Scenes.Durability;

/// <summary>The work item: an order whose parcel must be handed to the courier. It is stored as JSON in the queue's file.</summary>
internal sealed record ShipOrder(int Number, string Customer);
