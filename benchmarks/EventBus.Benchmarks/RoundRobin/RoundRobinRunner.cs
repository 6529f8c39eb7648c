using System.Diagnostics;
using System.Globalization;
using EventBus.Benchmarks.CrossThread;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>
/// <c>--round-robin</c>: every round runs every row of every cross-thread scenario once, the order
/// rotated by one row per round, after a ping-pong probe of the machine's state. Consumers are
/// created once, checked with a small batch, warmed up, and reused by every round. The report
/// divides each row's time by its scenario's baseline in the same round (the paired ratio).
/// </summary>
public static class RoundRobinRunner
{
    private const int CheckEvents = 1_000;

    public static int Run(IReadOnlyList<string> args) =>
        Infrastructure.HarnessMode.Run(args, RoundRobinOptions.Parse, RoundRobinOptions.Usage, Measure);

    private static RoundRobinReport Measure(RoundRobinOptions options)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var scenarios = RowCatalog.Create(options);
        var rows = scenarios.SelectMany(s => s.Rows).ToArray();
        var eventsPerRun = scenarios.SelectMany(s => s.Rows.Select(r => (r, s.EventsPerRun))).ToDictionary(p => p.r, p => p.EventsPerRun);
        Console.WriteLine($"Round-robin: {scenarios.Count} scenarios, {rows.Length} rows; {options}");

        // A broken row fails here, before anything is timed.
        foreach (var row in rows)
        {
            row.Run(Math.Min(CheckEvents, eventsPerRun[row]));
        }

        var samples = new List<RowSample>();
        var probes = new List<double>();
        var window = TimeSpan.FromMilliseconds(options.ProbeMilliseconds);
        using var probe = new PingPongProbe();

        // One round: a probe, then every row once, starting one row further on than the round before.
        void RunRound(int rotation, int round)
        {
            var roundClock = Stopwatch.StartNew();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var probeNs = probe.Measure(window);
            for (var position = 0; position < rows.Length; position++)
            {
                var row = rows[(rotation + position) % rows.Length];
                var sample = MeasureRow(row, eventsPerRun[row], round, position);
                if (round >= 0)
                {
                    samples.Add(sample);
                }
            }

            if (round >= 0)
            {
                probes.Add(probeNs);
            }

            var first = rows[rotation % rows.Length];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(round < 0 ? "warm-up round" : $"round {round + 1}/{options.Rounds}")}: probe {probeNs:F0} ns, " +
                $"{roundClock.Elapsed.TotalSeconds:F1} s, first row {first.Scenario} {first.Name}"));
        }

        var warmups = Infrastructure.Warmup.Run(options.WarmupRounds, TimeSpan.FromSeconds(options.WarmupSeconds), r => RunRound(r, -1));
        for (var round = 0; round < options.Rounds; round++)
        {
            RunRound(warmups + round, round);
        }

        // The probe after the last round closes it: a round is judged by the probes on both sides.
        probes.Add(probe.Measure(window));

        long verified = 0;
        foreach (var row in rows)
        {
            verified += row.Stop();
        }

        clock.Stop();
        return RoundRobinReport.Build(options, scenarios, samples, probes, warmups, started, clock.Elapsed, verified);
    }

    private static RowSample MeasureRow(Row row, int events, int round, int position)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var workItems = ThreadPool.CompletedWorkItemCount;
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();

        var published = row.Run(events);

        var wall = Stopwatch.GetElapsedTime(start);
        var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
        var items = ThreadPool.CompletedWorkItemCount - workItems;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new RowSample(round, position, row.Scenario, row.Name, events, wall.TotalNanoseconds,
            Stopwatch.GetElapsedTime(start, published).TotalNanoseconds, cpuUsed.TotalNanoseconds, items, bytes);
    }
}
