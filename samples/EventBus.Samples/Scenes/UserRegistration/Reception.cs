namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>One consumer's handling of one event, as the consumer saw it.</summary>
internal sealed record Reception(string Consumer, string UserId, Guid EventId, DateTimeOffset Timestamp, string? Topic, string Action);
