using EventBus.Benchmarks.CrossThread;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>A cross-thread scenario: its baseline row (the raw primitive) first, then EventBus and the peers.</summary>
public sealed record Scenario(string Name, int EventsPerRun, IReadOnlyList<Row> Rows)
{
    public Row Baseline => Rows[0];
}
