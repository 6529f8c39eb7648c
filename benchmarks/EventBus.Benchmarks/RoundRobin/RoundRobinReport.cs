using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>The round-robin harness's result: every sample, the probes, the per-row summaries, and the markdown that shows them.</summary>
public sealed record RoundRobinReport(
    string? Note,
    DateTimeOffset StartedUtc,
    TimeSpan Duration,
    MachineInfo Machine,
    RoundRobinOptions Options,
    string CommandLine,
    int WarmupRounds,
    double FastThresholdNs,
    string FastRule,
    IReadOnlyList<double> ProbesNs,
    IReadOnlyList<int> FastRounds,
    long VerifiedDeliveries,
    IReadOnlyList<RowSummary> Rows,
    IReadOnlyList<RowSample> Samples) : IHarnessReport
{
    public static RoundRobinReport Build(RoundRobinOptions options, IReadOnlyList<Scenario> scenarios, IReadOnlyList<RowSample> samples,
        IReadOnlyList<double> probes, int warmupRounds, DateTimeOffset started, TimeSpan duration, long verified)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(probes);

        // probes[r] is taken before round r and probes[r + 1] after it.
        var lowest = probes.Min();
        var threshold = options.FastThresholdNs ?? options.FastFactor * lowest;
        var rule = options.FastThresholdNs is null
            ? string.Create(CultureInfo.InvariantCulture, $"{options.FastFactor:0.##}x the run's lowest probe ({lowest:F0} ns)")
            : "given by --fast-ns";
        var fast = Enumerable.Range(0, options.Rounds).Where(r => probes[r] <= threshold && probes[r + 1] <= threshold).ToHashSet();

        var byKey = samples.ToDictionary(s => (s.Round, s.Scenario, s.Row));
        var rows = new List<RowSummary>();
        foreach (var scenario in scenarios)
        {
            foreach (var row in scenario.Rows)
            {
                var own = samples.Where(s => s.Scenario == scenario.Name && s.Row == row.Name).OrderBy(s => s.Round).ToArray();
                var paired = own.Select(s => (s.Round, Sample: s, Baseline: byKey[(s.Round, scenario.Name, scenario.Baseline.Name)])).ToArray();
                var fastPaired = paired.Where(p => fast.Contains(p.Round)).ToArray();
                rows.Add(new RowSummary(
                    scenario.Name,
                    row.Name,
                    row.IsBaseline,
                    scenario.EventsPerRun,
                    row.FanOut,
                    Distribution.Of(paired.Select(p => p.Sample.WallNs / p.Baseline.WallNs)),
                    Distribution.Of(fastPaired.Select(p => p.Sample.WallNs / p.Baseline.WallNs)),
                    Distribution.Of(paired.Select(p => p.Sample.CpuNs / p.Baseline.CpuNs)),
                    Distribution.Of(own.Select(s => s.WallNsPerEvent)),
                    Distribution.Of(fastPaired.Select(p => p.Sample.WallNsPerEvent)),
                    Distribution.Of(own.Select(s => s.PublishNsPerEvent)),
                    Distribution.Of(own.Select(s => s.CpuNsPerEvent)),
                    Distribution.Of(own.Select(s => s.WorkItemsPerEvent)),
                    (double)own.Sum(s => s.AllocatedBytes) / own.Sum(s => (long)s.Events)));
            }
        }

        return new RoundRobinReport(options.Note, started, duration, MachineInfo.Capture(), options, options.ToString(), warmupRounds, threshold, rule,
            probes, [.. fast.Order()], verified, rows, samples);
    }

    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var probes = Distribution.Of(ProbesNs);
        var rowCount = Rows.Count;
        var md = new StringBuilder()
            .AppendLine("# Cross-thread suites, round-robin")
            .AppendLine();
        if (!string.IsNullOrWhiteSpace(Note))
        {
            md.AppendLine(inv, $"> {Note}").AppendLine();
        }

        md.AppendLine(inv, $"- Run: {StartedUtc:yyyy-MM-dd HH:mm} UTC, {Options.Rounds} rounds after {WarmupRounds} warm-up rounds, {rowCount} rows; run time {Format(Duration)}.")
            .AppendLine(inv, $"- Verified: {VerifiedDeliveries:N0} deliveries, every row in every round counted exactly (none lost, none extra).")
            .AppendLine(inv, $"- Machine: {Machine}.")
            .AppendLine(inv, $"- Options: `--round-robin {CommandLine}`.")
            .AppendLine(inv, $"- Ping-pong probe (ns per round trip, {ProbesNs.Count} probes, one before each round and one after the last): median {probes.Median:F0}, min {probes.Min:F0}, max {probes.Max:F0}.")
            .AppendLine(inv, $"- **Fast state**: a round whose probes before and after are both at or below {FastThresholdNs:F0} ns ({FastRule}): {FastRounds.Count} of {Options.Rounds} rounds.")
            .AppendLine()
            .AppendLine("## Paired ratios")
            .AppendLine()
            .AppendLine("Each row's wall time over its scenario's baseline (the raw primitive) in the same round; median, quartiles and")
            .AppendLine("range over the rounds. Below 1 is faster than the baseline. \"fast\" columns: the fast-state rounds alone.")
            .AppendLine()
            .AppendLine("| scenario | row | median | p25 | p75 | min | max | fast median | fast p25 | fast p75 | fast min | fast max |")
            .AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in Rows)
        {
            md.AppendLine(inv, $"| {row.Scenario} | {row.Row}{(row.IsBaseline ? " (baseline)" : "")} | {Ratios(row.Ratio)} | {Ratios(row.FastRatio)} |");
        }

        md.AppendLine()
            .AppendLine("## Cost per event")
            .AppendLine()
            .AppendLine("Medians over all rounds (fast: the fast-state rounds) of each run's total divided by its events; an event is a")
            .AppendLine("publish (fan-out: N deliveries). CPU is the whole process's (every thread, spinning included); CPU ratio is paired")
            .AppendLine("like the wall ratio. Publish: until the last publish returned (waits for space included). Work items: thread-pool")
            .AppendLine("work items completed. Bytes: allocated by all threads, total over all rounds divided by all events.")
            .AppendLine()
            .AppendLine("| scenario | row | events/run | wall ns | wall ns (fast) | publish ns | CPU ns | CPU ratio | work items | bytes |")
            .AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in Rows)
        {
            md.AppendLine(inv,
                $"| {row.Scenario} | {row.Row} | {row.EventsPerRun:N0} | {Ns(row.WallNsPerEvent.Median)} | {Ns(row.FastWallNsPerEvent.Median)} | {Ns(row.PublishNsPerEvent.Median)} | " +
                $"{Ns(row.CpuNsPerEvent.Median)} | {Ratio(row.CpuRatio.Median)} | {row.WorkItemsPerEvent.Median:0.0000} | {row.BytesPerEvent:0.000} |");
        }

        AppendFanOutByN(md);

        var baselines = Rows.Where(r => r.IsBaseline).ToArray();
        md.AppendLine()
            .AppendLine("## Rounds")
            .AppendLine()
            .AppendLine("The probe before and after each round, whether it counts as fast, the row it started with (the order rotates by")
            .AppendLine("one row per round), and each baseline's wall ns per event in it.")
            .AppendLine()
            .Append("| round | probe before | probe after | fast | first row |");
        foreach (var b in baselines)
        {
            md.Append(inv, $" {b.Scenario} |");
        }

        md.AppendLine().Append("|--:|--:|--:|---|---|").AppendLine(string.Concat(baselines.Select(_ => "--:|")));
        for (var r = 0; r < Options.Rounds; r++)
        {
            var round = r;
            var first = Samples.FirstOrDefault(s => s.Round == round && s.Position == 0);
            md.Append(inv, $"| {r + 1} | {ProbesNs[r]:F0} | {ProbesNs[r + 1]:F0} | {(FastRounds.Contains(r) ? "yes" : "no")} | {first?.Scenario} {first?.Row} |");
            foreach (var b in baselines)
            {
                var sample = Samples.FirstOrDefault(s => s.Round == round && s.Scenario == b.Scenario && s.Row == b.Row);
                md.Append(inv, $" {Ns(sample?.WallNsPerEvent ?? double.NaN)} |");
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    /// <summary>Each fan-out implementation across N: the cost per publish should not grow with the subscriber count.</summary>
    private void AppendFanOutByN(StringBuilder md)
    {
        var fanOut = Rows.Where(r => r.Scenario.StartsWith("fan-out", StringComparison.Ordinal)).ToArray();
        var counts = fanOut.Select(r => r.FanOut).Distinct().Order().ToArray();
        if (counts.Length < 2)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        md.AppendLine()
            .AppendLine("## Fan-out across N")
            .AppendLine()
            .AppendLine("Median wall ns per publish (all N deliveries done) / publish ns (until the last publish returned), per")
            .AppendLine("subscriber count, and the largest over the smallest across N of each.")
            .AppendLine()
            .Append("| row |");
        foreach (var n in counts)
        {
            md.Append(inv, $" N={n} |");
        }

        md.AppendLine(" wall max/min | publish max/min |").Append("|---|").Append(string.Concat(counts.Select(_ => "--:|"))).AppendLine("--:|--:|");
        foreach (var name in fanOut.Select(r => r.Row).Distinct())
        {
            var byN = counts.Select(n => fanOut.FirstOrDefault(r => r.Row == name && r.FanOut == n)).ToArray();
            md.Append(inv, $"| {name} |");
            foreach (var row in byN)
            {
                md.Append(inv, $" {Ns(row?.WallNsPerEvent.Median ?? double.NaN)} / {Ns(row?.PublishNsPerEvent.Median ?? double.NaN)} |");
            }

            var wall = byN.Where(r => r is not null).Select(r => r!.WallNsPerEvent.Median).ToArray();
            var publish = byN.Where(r => r is not null).Select(r => r!.PublishNsPerEvent.Median).ToArray();
            md.AppendLine(inv, $" {Ratio(wall.Max() / wall.Min())} | {Ratio(publish.Max() / publish.Min())} |");
        }
    }

    private static string Ratios(Distribution d) =>
        $"{Ratio(d.Median)} | {Ratio(d.P25)} | {Ratio(d.P75)} | {Ratio(d.Min)} | {Ratio(d.Max)}";

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Ns(double value) => !double.IsFinite(value)
        ? "-"
        : value.ToString(value >= 1000 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    private static string Format(TimeSpan t) => t.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes} min {t.Seconds} s")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");
}
