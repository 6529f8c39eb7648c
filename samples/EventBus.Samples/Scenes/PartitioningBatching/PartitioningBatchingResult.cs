using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PartitioningBatching;

internal sealed record PartitioningBatchingResult(
    IReadOnlyList<UserActivity> Activities,
    IReadOnlyList<ProcessedActivity> Processed,
    int Overlaps,
    int PeakUsers,
    IReadOnlyList<WrittenBatch> Batches,
    int PageViews,
    int MaxBatchSize,
    TimeSpan Linger) : SceneResult
{
    public override string Outcome =>
        $"{Activities.Count} events of {Users.Count} users, {(EveryUserInOrder ? "each user's in order" : "OUT OF ORDER")}; " +
        $"{PageViews} page views in {Batches.Count} batches ({string.Join(", ", Batches.Select(static b => b.Size))})";

    public IReadOnlyList<string> Users => [.. Activities.Select(static a => a.UserId).Distinct()];

    /// <summary>The steps of one user, in the order they were processed.</summary>
    public IReadOnlyList<int> StepsOf(string userId) =>
        [.. Processed.Where(p => p.Activity.UserId == userId).Select(static p => p.Activity.Step)];

    public bool EveryUserInOrder =>
        Users.All(u => StepsOf(u).SequenceEqual(Activities.Where(a => a.UserId == u).Select(static a => a.Step)));
}
