namespace EventBus.Benchmarks.RoundRobin;

/// <summary>
/// One row's run in one round: wall time, process CPU time, thread-pool work items completed and
/// bytes allocated (all threads) between the start of its publishing and the last verified delivery;
/// and the time until the last publish returned (<see cref="PublishNs"/>), which under the
/// <c>Wait</c> full-mode includes the producer's waits for space.
/// </summary>
public sealed record RowSample(
    int Round,
    int Position,
    string Scenario,
    string Row,
    int Events,
    double WallNs,
    double PublishNs,
    double CpuNs,
    long WorkItems,
    long AllocatedBytes)
{
    public double WallNsPerEvent => WallNs / Events;

    public double PublishNsPerEvent => PublishNs / Events;

    public double CpuNsPerEvent => CpuNs / Events;

    public double WorkItemsPerEvent => (double)WorkItems / Events;

    public double BytesPerEvent => (double)AllocatedBytes / Events;
}
