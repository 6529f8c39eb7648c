namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>A page view to store; <see cref="EnqueuedAt"/> (a timestamp) shows how long it waited for its batch.</summary>
internal sealed record PageView(int Number, string Path, long EnqueuedAt);
