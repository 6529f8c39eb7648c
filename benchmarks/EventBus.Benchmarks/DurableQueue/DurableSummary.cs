using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>One row at one producer count and level over the rounds: throughput, and its time over the baseline's in the
/// same round (the paired ratio: above 1.00x is slower than the raw loop).</summary>
public sealed record DurableSummary(
    string Synchronous,
    int Producers,
    string Row,
    bool IsBaseline,
    int Items,
    Distribution ItemsPerSecond,
    Distribution RatioToBaseline,
    Distribution CpuUsPerItem,
    double BytesPerItem);
