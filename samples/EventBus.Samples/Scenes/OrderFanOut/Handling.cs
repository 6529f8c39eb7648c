namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>One attempt by one service to handle one order.</summary>
internal sealed record Handling(string Service, string OrderId, Guid EventId, bool Succeeded, string Detail);
