namespace EventBus.Benchmarks.DurableQueue;

/// <summary>One run of one row: its items, wall time, process CPU time and bytes allocated by every thread.</summary>
public sealed record DurableSample(int Round, int Position, string Synchronous, int Producers, string Row, int Items, double WallNs, double CpuNs, long Bytes)
{
    public double ItemsPerSecond => Items / (WallNs / 1e9);
}
