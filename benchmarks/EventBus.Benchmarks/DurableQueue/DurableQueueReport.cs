using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>The durable-queue harness's result: every sample, the summaries, and the markdown that shows them.</summary>
public sealed record DurableQueueReport(
    string? Note,
    DateTimeOffset StartedUtc,
    TimeSpan Duration,
    MachineInfo Machine,
    string DatabaseDirectory,
    DurableQueueOptions Options,
    string CommandLine,
    int WarmupRounds,
    IReadOnlyList<DurableSummary> Rows,
    IReadOnlyList<DurableSample> Samples) : IHarnessReport
{
    public static DurableQueueReport Build(DurableQueueOptions options, IReadOnlyList<DurableSample> samples, int warmupRounds,
        DateTimeOffset started, TimeSpan duration, string databaseDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(samples);
        var byKey = samples.ToDictionary(static s => (s.Round, s.Synchronous, s.Producers, s.Row));
        var rows = new List<DurableSummary>();
        foreach (var group in samples.GroupBy(static s => (s.Synchronous, s.Producers, s.Row)).OrderBy(static g => g.Key.Synchronous == "FULL" ? 0 : 1)
            .ThenBy(static g => g.Key.Producers).ThenBy(static g => g.Key.Row switch { BaselineName => 0, RawSqliteLoopRow.LeasingName => 1, _ => 2 }))
        {
            var own = group.OrderBy(static s => s.Round).ToArray();
            var baseline = own.Select(s => byKey[(s.Round, s.Synchronous, s.Producers, BaselineName)]).ToArray();
            rows.Add(new DurableSummary(
                group.Key.Synchronous,
                group.Key.Producers,
                group.Key.Row,
                group.Key.Row == BaselineName,
                own[0].Items,
                Distribution.Of(own.Select(static s => s.ItemsPerSecond)),
                Distribution.Of(own.Zip(baseline, static (s, b) => s.WallNs / b.WallNs)),
                Distribution.Of(own.Select(static s => s.CpuNs / 1_000 / s.Items)),
                (double)own.Sum(static s => s.Bytes) / own.Sum(static s => s.Items)));
        }

        return new DurableQueueReport(options.Note, started, duration, MachineInfo.Capture(), databaseDirectory, options, options.ToString(),
            warmupRounds, rows, samples);
    }

    private const string BaselineName = RawSqliteLoopRow.BaselineName;

    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder().AppendLine("# Durable work queue (SQLite)").AppendLine();
        if (!string.IsNullOrWhiteSpace(Note))
        {
            md.AppendLine(inv, $"> {Note}").AppendLine();
        }

        md.AppendLine(inv, $"- Run: {StartedUtc:yyyy-MM-dd HH:mm} UTC; run time {Duration.TotalSeconds:F0} s; {Options.Rounds} measured rounds after {WarmupRounds} warm-up.")
            .AppendLine(inv, $"- Machine: {Machine}.")
            .AppendLine(inv, $"- Database files: `{DatabaseDirectory}`.")
            .AppendLine(inv, $"- Options: `--durable {CommandLine}`.")
            .AppendLine()
            .AppendLine("Enqueue-to-processed throughput: P producers each await their enqueue's commit before the next; the run ends when")
            .AppendLine("the consumer has handled every item (each checked once). Median items/s over the rounds, with the quartiles; the")
            .AppendLine("paired ratio is the row's time over the raw loop's in the same round (above 1.00x: slower). CPU is the whole process.")
            .AppendLine()
            .AppendLine("| synchronous | producers | row | items/run | items/s | p25 | p75 | time / raw loop | p25 | p75 | CPU us/item | bytes/item |")
            .AppendLine("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in Rows)
        {
            md.AppendLine(inv,
                $"| {r.Synchronous} | {r.Producers} | {r.Row} | {r.Items:N0} | {r.ItemsPerSecond.Median:N0} | {r.ItemsPerSecond.P25:N0} | {r.ItemsPerSecond.P75:N0} | " +
                $"{r.RatioToBaseline.Median:0.00}x | {r.RatioToBaseline.P25:0.00}x | {r.RatioToBaseline.P75:0.00}x | {r.CpuUsPerItem.Median:0.0} | {r.BytesPerItem:N0} |");
        }

        return md.ToString();
    }
}
