namespace EventBus.Samples.Infrastructure;

/// <summary>One subscription's name, topic and counters at the end of a run.</summary>
internal sealed record SubscriptionReport(string Name, string? Topic, SubscriptionStatistics Statistics);
