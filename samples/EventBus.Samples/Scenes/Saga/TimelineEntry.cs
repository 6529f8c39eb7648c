namespace EventBus.Samples.Scenes.Saga;

/// <summary>One message of one order's saga, in the order it was published.</summary>
internal sealed record TimelineEntry(string OrderId, int Step, string Message, bool IsCommand, string Producer, Guid EventId, string? CorrelationId);
