namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>
/// Records the order activities were processed in, and checks the promise of per-key order as it
/// happens: two activities of one user must never be in progress at the same time.
/// </summary>
internal sealed class ActivityLog
{
    private readonly Lock _lock = new();
    private readonly List<ProcessedActivity> _processed = [];
    private readonly Dictionary<string, int> _inProgress = [];

    public IReadOnlyList<ProcessedActivity> Processed
    {
        get
        {
            lock (_lock)
            {
                return [.. _processed];
            }
        }
    }

    /// <summary>How many times an activity started while another of the same user was still in progress.</summary>
    public int Overlaps { get; private set; }

    /// <summary>The most users with an activity in progress at the same moment.</summary>
    public int PeakUsers { get; private set; }

    public void Started(UserActivity activity)
    {
        lock (_lock)
        {
            var running = _inProgress.GetValueOrDefault(activity.UserId);
            if (running > 0)
            {
                Overlaps++;
            }

            _inProgress[activity.UserId] = running + 1;
            PeakUsers = Math.Max(PeakUsers, _inProgress.Count(static p => p.Value > 0));
        }
    }

    public void Finished(UserActivity activity)
    {
        lock (_lock)
        {
            _inProgress[activity.UserId]--;
            _processed.Add(new ProcessedActivity(_processed.Count + 1, activity));
        }
    }
}
