namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>One activity as it was processed: its place in the global order of completion.</summary>
internal sealed record ProcessedActivity(int Position, UserActivity Activity);
