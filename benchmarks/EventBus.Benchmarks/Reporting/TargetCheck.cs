using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;
using EventBus.Benchmarks.Suites;

namespace EventBus.Benchmarks.Reporting;

/// <summary>
/// Prints every target of issue 6's table against a run's JSON results: the measured ratio and
/// "met" or "missed by X%". Also writes the same lines to <c>targets.md</c> beside the results.
/// </summary>
public static class TargetCheck
{
    private const string Inline = nameof(InlinePublishBenchmarks);
    private const string Queued = nameof(QueuedPublishBenchmarks);
    private const string FanOut = nameof(FanOutBenchmarks);
    private const string Work = nameof(WorkQueueBenchmarks);

    public static int Run(string resultsDirectory)
    {
        var results = BenchmarkResults.Load(resultsDirectory);
        var memory = SubscriptionMemory.TryRead(resultsDirectory);
        if (results.Rows.Count == 0 && memory is null)
        {
            Console.Error.WriteLine($"No BenchmarkDotNet JSON reports (*-report-full.json) in {Path.GetFullPath(resultsDirectory)}.");
            return 1;
        }

        var lines = Evaluate(results, memory);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Targets (issue 6), from {Path.GetFullPath(resultsDirectory)}")
            .AppendLine(CultureInfo.InvariantCulture, $"Machine: {results.Environment}")
            .AppendLine()
            .AppendLine("| scenario | target | EventBus row | measured | verdict |")
            .AppendLine("|---|---|---|---|---|");
        foreach (var line in lines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {line.Scenario} | {line.Goal} | {line.Row} | {line.Measured} | {line.Verdict} |");
        }

        Console.WriteLine();
        Console.WriteLine(text.ToString());
        File.WriteAllText(Path.Combine(resultsDirectory, "targets.md"), text.ToString());
        return 0;
    }

    public static IReadOnlyList<TargetLine> Evaluate(BenchmarkResults r, SubscriptionMemoryResult? memory)
    {
        var lines = new List<TargetLine>();

        // Inline, 1 subscriber: at or below the fastest peer row (Mediator, Subject<T>), 0 B.
        AgainstFastestPeer(lines, r, "inline, 1 subscriber (class)", "EventBus_Typed", ["Mediator", "Subject", "Messenger"]);
        AgainstFastestPeer(lines, r, "inline, 1 subscriber (class)", "EventBus_PublishAsync", ["Mediator", "Subject", "Messenger"]);
        AgainstFastestPeer(lines, r, "inline, 1 subscriber (struct)", "EventBus_Typed_Struct", ["Mediator_Struct", "Subject_Struct"]);
        AgainstFastestPeer(lines, r, "inline, 1 subscriber (struct)", "EventBus_PublishAsync_Struct", ["Mediator_Struct", "Subject_Struct"]);

        // Inline, 8 subscribers: <= 1.0x multicast event, 0 B.
        Ratio(lines, r, "inline, 8 subscribers (class)", Inline, "EventBus_Typed_8", "MulticastEvent", "", 1.00, "multicast event");
        Ratio(lines, r, "inline, 8 subscribers (class)", Inline, "EventBus_PublishAsync_8", "MulticastEvent", "", 1.00, "multicast event");
        Ratio(lines, r, "inline, 8 subscribers (struct)", Inline, "EventBus_Typed_8_Struct", "MulticastEvent_Struct", "", 1.00, "multicast event");
        Ratio(lines, r, "inline, 8 subscribers (struct)", Inline, "EventBus_PublishAsync_8_Struct", "MulticastEvent_Struct", "", 1.00, "multicast event");

        // Queued 1->1: <= 1.18x raw channel, 0 B.
        Ratio(lines, r, "queued 1->1 (class)", Queued, "EventBus_Class", "Channel_Class", "", 1.18, "raw channel");
        Ratio(lines, r, "queued 1->1 (struct)", Queued, "EventBus_Struct", "Channel_Struct", "", 1.18, "raw channel");

        // Fan-out: <= 1.15x sixteen raw TryWrites at N = 16, and 0 B for any N.
        Ratio(lines, r, "fan-out N=16", FanOut, "EventBus", "RawChannels", "Subscribers=16", 1.15, "16 raw channel writes");
        foreach (var n in new[] { 1, 4 })
        {
            Ratio(lines, r, $"fan-out N={n} (allocation only)", FanOut, "EventBus", "RawChannels", $"Subscribers={n}", double.NaN, "raw channel writes");
        }

        // Work queue, K = 2: <= 1.18x the raw multi-reader channel, and faster than ActionBlock(MaxDOP = 2).
        WorkQueue(lines, r);

        lines.Add(memory is null
            ? new TargetLine("idle subscription", "<= 1 KiB", "queued", "-", "not measured (run --subscription-memory)")
            : new TargetLine("idle subscription", "<= 1 KiB", "queued",
                string.Create(CultureInfo.InvariantCulture,
                    $"{memory.QueuedRetainedBytes:N0} B retained (inline {memory.InlineRetainedBytes:N0} B; raw channel + parked loop {memory.RawChannelRetainedBytes:N0} B)"),
                Verdict(memory.QueuedRetainedBytes / 1024.0, 1.0, allocated: 0)));
        return lines;
    }

    private static void WorkQueue(List<TargetLine> lines, BenchmarkResults r)
    {
        const string Scenario = "work queue K=2";
        const string Goal = "<= 1.18x raw multi-reader channel; faster than ActionBlock(MaxDOP=2), 0 B";
        var row = r.Find(Work, "EventBus", "Workers=2");
        var channel = r.Find(Work, "RawChannel", "Workers=2");
        var block = r.Find(Work, "ActionBlock", "Workers=2");
        if (row is null || channel is null || block is null)
        {
            lines.Add(new TargetLine(Scenario, Goal, "EventBus", "-", "not in this run"));
            return;
        }

        var ratio = row.MeanNs / channel.MeanNs;
        var verdict = Verdict(ratio, 1.18, row.AllocatedBytes);
        if (row.MeanNs >= block.MeanNs)
        {
            var slower = string.Create(CultureInfo.InvariantCulture, $"slower than ActionBlock by {((row.MeanNs / block.MeanNs) - 1) * 100:F0}%");
            verdict = verdict == "met" ? "MISSED: " + slower : verdict + "; " + slower;
        }

        lines.Add(new TargetLine(Scenario, Goal, "EventBus",
            string.Create(CultureInfo.InvariantCulture,
                $"{row.MeanNs:F2} ns = {ratio:F2}x RawChannel ({channel.MeanNs:F2} ns), {row.MeanNs / block.MeanNs:F2}x ActionBlock ({block.MeanNs:F2} ns), {Bytes(row.AllocatedBytes)}"),
            verdict));
    }

    private static void AgainstFastestPeer(List<TargetLine> lines, BenchmarkResults r, string scenario, string method, string[] peers)
    {
        var row = r.Find(Inline, method);
        var fastest = peers.Select(p => r.Find(Inline, p)).Where(p => p is not null).MinBy(p => p!.MeanNs);
        if (row is null || fastest is null)
        {
            lines.Add(new TargetLine(scenario, "<= fastest peer, 0 B", method, "-", "not in this run"));
            return;
        }

        var ratio = row.MeanNs / fastest.MeanNs;
        lines.Add(new TargetLine(scenario, "<= fastest peer, 0 B", method,
            string.Create(CultureInfo.InvariantCulture, $"{row.MeanNs:F2} ns = {ratio:F2}x {fastest.Method} ({fastest.MeanNs:F2} ns), {Bytes(row.AllocatedBytes)}"),
            Verdict(ratio, 1.0, row.AllocatedBytes)));
    }

    private static void Ratio(List<TargetLine> lines, BenchmarkResults r, string scenario, string type, string method, string baseline,
        string parameters, double limit, string baselineName)
    {
        var goal = double.IsNaN(limit) ? "0 B" : string.Create(CultureInfo.InvariantCulture, $"<= {limit:F2}x {baselineName}, 0 B");
        var row = r.Find(type, method, parameters);
        var reference = r.Find(type, baseline, parameters);
        if (row is null || reference is null)
        {
            lines.Add(new TargetLine(scenario, goal, method, "-", "not in this run"));
            return;
        }

        var ratio = row.MeanNs / reference.MeanNs;
        lines.Add(new TargetLine(scenario, goal, method,
            string.Create(CultureInfo.InvariantCulture, $"{row.MeanNs:F2} ns = {ratio:F2}x {baseline} ({reference.MeanNs:F2} ns), {Bytes(row.AllocatedBytes)}"),
            Verdict(ratio, limit, row.AllocatedBytes)));
    }

    private static string Verdict(double ratio, double limit, long? allocated)
    {
        var problems = new List<string>();
        if (!double.IsNaN(limit) && ratio > limit)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"missed by {((ratio / limit) - 1) * 100:F0}%"));
        }

        if (allocated is > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"allocates {allocated} B/op"));
        }

        return problems.Count == 0 ? "met" : "MISSED: " + string.Join("; ", problems);
    }

    private static string Bytes(long? allocated) => allocated is null ? "? B" : $"{allocated} B";
}

/// <summary>One line of the target table.</summary>
public sealed record TargetLine(string Scenario, string Goal, string Row, string Measured, string Verdict);
