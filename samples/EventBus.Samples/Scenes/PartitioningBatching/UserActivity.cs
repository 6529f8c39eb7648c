namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>Something a user did; the user id is the partition key, and <see cref="Step"/> is the user's own sequence.</summary>
internal sealed record UserActivity(string UserId, int Step, string Action)
{
    public string Label => $"{UserId}#{Step}";
}
