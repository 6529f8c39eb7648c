using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>
/// One row over every measured round. Ratios are paired: the row's wall (or CPU) time over its
/// baseline's in the same round. Bytes per event is the total over all rounds divided by all events.
/// </summary>
public sealed record RowSummary(
    string Scenario,
    string Row,
    bool IsBaseline,
    int EventsPerRun,
    int FanOut,
    Distribution Ratio,
    Distribution FastRatio,
    Distribution CpuRatio,
    Distribution WallNsPerEvent,
    Distribution FastWallNsPerEvent,
    Distribution PublishNsPerEvent,
    Distribution CpuNsPerEvent,
    Distribution WorkItemsPerEvent,
    double BytesPerEvent);
