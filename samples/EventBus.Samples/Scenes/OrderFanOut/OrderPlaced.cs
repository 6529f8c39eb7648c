namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>A customer placed an order: the one fact four services react to.</summary>
internal sealed record OrderPlaced(string OrderId, string Customer, string Email, string Sku, int Quantity, decimal Total, string Currency);
