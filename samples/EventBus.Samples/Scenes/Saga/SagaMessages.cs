namespace EventBus.Samples.Scenes.Saga;

// The saga's messages, kept together because they are read together: each is one line, and the
// flow is easier to follow on one screen. Commands ask a service to do something; events report
// what a service did. Both travel on the same bus here.

/// <summary>Every message of the order saga names its order.</summary>
internal interface ISagaMessage
{
    string OrderId { get; }
}

/// <summary>A request addressed to one service: imperative name.</summary>
internal interface ISagaCommand : ISagaMessage;

/// <summary>A fact reported by a service: past-tense name.</summary>
internal interface ISagaEvent : ISagaMessage;

internal sealed record OrderPlaced(string OrderId, string Customer, string Sku, int Quantity, decimal Amount, string Card) : ISagaEvent;

internal sealed record ReserveInventory(string OrderId, string Sku, int Quantity) : ISagaCommand;

internal sealed record InventoryReserved(string OrderId, string Sku, int Quantity) : ISagaEvent;

internal sealed record ChargePayment(string OrderId, decimal Amount, string Card) : ISagaCommand;

internal sealed record PaymentCharged(string OrderId, decimal Amount) : ISagaEvent;

internal sealed record PaymentDeclined(string OrderId, string Reason) : ISagaEvent;

internal sealed record ShipOrder(string OrderId) : ISagaCommand;

internal sealed record OrderShipped(string OrderId, string TrackingCode) : ISagaEvent;

internal sealed record ReleaseInventory(string OrderId, string Sku, int Quantity) : ISagaCommand;

internal sealed record InventoryReleased(string OrderId, string Sku, int Quantity) : ISagaEvent;

internal sealed record CancelOrder(string OrderId, string Reason) : ISagaCommand;

internal sealed record OrderCancelled(string OrderId, string Reason) : ISagaEvent;
