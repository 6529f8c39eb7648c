namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>One consumer handled one ticket.</summary>
internal sealed record Pickup(string Consumer, int Ticket);
