using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace EventBus.Benchmarks.Charts;

/// <summary>
/// Draws benchmarks/results.png from a run's BenchmarkDotNet JSON reports: one panel per scenario,
/// each row's mean as a ratio to that scenario's reference (the raw primitive, or the fastest peer
/// where that is the target), EventBus rows in orange, peers in blue, the reference in grey.
/// With <c>--round-robin FILE</c> (the round-robin harness's JSON) the cross-thread panels show its paired
/// medians instead (whiskers from the 25th to the 75th percentile), since one BenchmarkDotNet run of those rows
/// swings 2-4x with the machine; with <c>--scale FILE</c> (the scale harness's JSON) a panel shows the inline
/// publish cost per subscriber against N.
/// Usage: dotnet run --project benchmarks/EventBus.Benchmarks.Charts -- [results-dir] [output.png] [--round-robin FILE] [--scale FILE]
/// </summary>
public static class Program
{
    private static readonly Panel[] s_panels =
    [
        new("Inline, 1 subscriber (class), vs Subject<T>", "InlinePublishBenchmarks", "", ["Delegate", "Mediator", "Subject", "Messenger", "EventBus_Typed", "EventBus_PublishAsync"], "Subject"),
        new("Inline, 1 subscriber (struct), vs Subject<T>", "InlinePublishBenchmarks", "", ["Delegate_Struct", "Mediator_Struct", "Subject_Struct", "EventBus_Typed_Struct", "EventBus_PublishAsync_Struct"], "Subject_Struct"),
        new("Inline, 8 subscribers (class)", "InlinePublishBenchmarks", "", ["MulticastEvent", "Mediator_8", "Subject_8", "Messenger_8", "EventBus_Typed_8", "EventBus_PublishAsync_8"]),
        new("Inline, 8 subscribers (struct)", "InlinePublishBenchmarks", "", ["MulticastEvent_Struct", "Mediator_8_Struct", "Subject_8_Struct", "EventBus_Typed_8_Struct", "EventBus_PublishAsync_8_Struct"]),
        new("Queued 1->1 (class), per event", "QueuedPublishBenchmarks", "", ["Channel_Class", "ActionBlock_Class", "EventBus_Class"]),
        new("Queued 1->1 (struct), per event", "QueuedPublishBenchmarks", "", ["Channel_Struct", "ActionBlock_Struct", "EventBus_Struct"]),
        new("Fan-out N=1, per publish", "FanOutBenchmarks", "Subscribers=1", ["RawChannels", "BroadcastBlock", "EventBus"]),
        new("Fan-out N=4, per publish", "FanOutBenchmarks", "Subscribers=4", ["RawChannels", "BroadcastBlock", "EventBus"]),
        new("Fan-out N=16, per publish", "FanOutBenchmarks", "Subscribers=16", ["RawChannels", "BroadcastBlock", "EventBus"]),
        new("Work queue, 1 worker, per item", "WorkQueueBenchmarks", "Workers=1", ["RawChannel", "ActionBlock", "EventBus"]),
        new("Work queue, 2 workers, per item", "WorkQueueBenchmarks", "Workers=2", ["RawChannel", "ActionBlock", "EventBus"]),
        new("Scale: 4096 subscriptions, 1 matching", "ScaleBenchmarks", "Subscriptions=4096", ["Delegate_OneMatching", "EventBus_OneMatching_Typed", "EventBus_OneMatching_PublishAsync"]),
        new("Scale: 4096 subscriptions, all matching", "ScaleBenchmarks", "Subscriptions=4096", ["Delegates_AllMatching", "EventBus_AllMatching_Typed"]),
        new("Telemetry listeners, plain handler", "ObservabilityBenchmarks", "", ["NoListener", "WithListeners"]),
        new("Telemetry listeners, handler with context", "ObservabilityBenchmarks", "", ["NoListener_Context", "WithListeners_Context"]),
    ];

    public static int Main(string[] args)
    {
        var positional = new List<string>();
        string? roundRobin = null;
        string? scale = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--round-robin" when i + 1 < args.Length:
                    roundRobin = args[++i];
                    break;
                case "--scale" when i + 1 < args.Length:
                    scale = args[++i];
                    break;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }

        var directory = positional.Count > 0 ? positional[0] : Path.Combine("BenchmarkDotNet.Artifacts", "results");
        var output = positional.Count > 1 ? positional[1] : Path.Combine("benchmarks", "results.png");
        var rows = Load(directory);
        var paired = roundRobin is null ? [] : LoadRoundRobin(roundRobin);
        var curve = scale is null ? [] : LoadScale(scale);
        if (rows.Count == 0 && paired.Count == 0)
        {
            Console.Error.WriteLine($"No *-report-full.json in {Path.GetFullPath(directory)}, and no round-robin report.");
            return 1;
        }

        // The round-robin report replaces BenchmarkDotNet's one-run cross-thread rows.
        var crossThread = new HashSet<string>(["QueuedPublishBenchmarks", "FanOutBenchmarks", "WorkQueueBenchmarks"]);
        var draws = new List<Action<Plot>>();
        foreach (var panel in s_panels.Where(p => p.Methods.Any(m => rows.ContainsKey((p.Type, m, p.Parameters)))))
        {
            if (paired.Count == 0 || !crossThread.Contains(panel.Type))
            {
                draws.Add(plot => Draw(plot, panel, rows));
            }
        }

        foreach (var scenario in paired.GroupBy(row => row.Scenario))
        {
            draws.Add(plot => DrawPaired(plot, scenario.Key, [.. scenario]));
        }

        if (curve.Count > 0)
        {
            draws.Add(plot => DrawCurve(plot, curve));
        }

        const int Columns = 3;
        var gridRows = (draws.Count + Columns - 1) / Columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(draws.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(gridRows, Columns);
        for (var i = 0; i < draws.Count; i++)
        {
            draws[i](multiplot.GetPlot(i));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        multiplot.SavePng(output, Columns * 560, gridRows * 300);
        Console.WriteLine($"Wrote {Path.GetFullPath(output)} ({draws.Count} panels).");
        return 0;
    }

    /// <summary>One cross-thread scenario of the round-robin harness: each row's paired median, whiskers p25-p75.</summary>
    private static void DrawPaired(Plot plot, string scenario, IReadOnlyList<PairedRow> rows)
    {
        var bars = new List<Bar>();
        var positions = new List<double>();
        var labels = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var position = rows.Count - 1 - i;
            bars.Add(new Bar
            {
                Position = position,
                Value = row.Median,
                FillColor = row.IsBaseline ? Colors.Gray : row.Row.StartsWith("EventBus", StringComparison.Ordinal) ? Colors.DarkOrange : Colors.SteelBlue,
                Label = string.Create(CultureInfo.InvariantCulture, $"{row.Median:F2}x ({row.P25:F2}-{row.P75:F2})"),
            });
            positions.Add(position);
            labels.Add(row.Row);
            if (!row.IsBaseline)
            {
                var whisker = plot.Add.Line(row.P25, position, row.P75, position);
                whisker.Color = Colors.Black;
                whisker.LineWidth = 2;
            }
        }

        Finish(plot, bars, positions, labels, $"{scenario}: paired median, {rows[0].Rounds} rounds", "time / raw baseline (grey), same round");
    }

    /// <summary>The scale harness's publish curve: ns per subscriber against N, EventBus and a delegate loop.</summary>
    private static void DrawCurve(Plot plot, IReadOnlyList<CurvePoint> points)
    {
        double[] xs = [.. points.Select(p => Math.Log10(p.Subscribers))];
        var bus = plot.Add.Scatter(xs, [.. points.Select(p => p.EventBusNs)]);
        bus.Color = Colors.DarkOrange;
        bus.LegendText = "EventBus inline";
        var delegates = plot.Add.Scatter(xs, [.. points.Select(p => p.DelegatesNs)]);
        delegates.Color = Colors.SteelBlue;
        delegates.LegendText = "delegate loop";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            xs, [.. points.Select(p => p.Subscribers.ToString("N0", CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsY(0, points.Max(p => Math.Max(p.EventBusNs, p.DelegatesNs)) * 1.2);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title("Inline publish: ns per matching subscriber", size: 13);
        plot.XLabel("subscribers on the route", size: 11);
    }

    private static void Draw(Plot plot, Panel panel, Dictionary<(string, string, string), double> rows)
    {
        var present = panel.Methods.Where(m => rows.ContainsKey((panel.Type, m, panel.Parameters))).ToArray();
        var baseline = rows.TryGetValue((panel.Type, panel.ReferenceMethod, panel.Parameters), out var b) ? b : double.NaN;
        var bars = new List<Bar>();
        var positions = new List<double>();
        var labels = new List<string>();
        for (var i = 0; i < present.Length; i++)
        {
            var method = present[i];
            var mean = rows[(panel.Type, method, panel.Parameters)];
            var ratio = mean / baseline;
            var position = present.Length - 1 - i;
            bars.Add(new Bar
            {
                Position = position,
                Value = ratio,
                FillColor = method == panel.ReferenceMethod ? Colors.Gray : method.StartsWith("EventBus", StringComparison.Ordinal) || panel.Type == "ObservabilityBenchmarks" && method.StartsWith("With", StringComparison.Ordinal)
                    ? Colors.DarkOrange
                    : Colors.SteelBlue,
                Label = string.Create(CultureInfo.InvariantCulture, $"{Format(mean)} ({ratio:F2}x)"),
            });
            positions.Add(position);
            labels.Add(method);
        }

        Finish(plot, bars, positions, labels, panel.Title, "mean / reference (grey)");
    }

    /// <summary>Draws a panel's horizontal bars, labelled by row, with the reference line at 1.</summary>
    private static void Finish(Plot plot, List<Bar> bars, List<double> positions, List<string> labels, string title, string axis)
    {
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Add.VerticalLine(1.0, 1, Colors.Black.WithAlpha(0.5), LinePattern.Dashed);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. positions], [.. labels]);
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0, right: 0.45, bottom: 0.05, top: 0.05);
        plot.Title(title, size: 13);
        plot.XLabel(axis, size: 11);
    }

    private static string Format(double ns) => ns switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:F2} ms"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:F2} us"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns:F1} ns"),
    };

    private static Dictionary<(string Type, string Method, string Parameters), double> Load(string directory)
    {
        var rows = new Dictionary<(string, string, string), double>();
        if (!Directory.Exists(directory))
        {
            return rows;
        }

        foreach (var file in Directory.GetFiles(directory, "*-report-full.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var benchmark in document.RootElement.GetProperty("Benchmarks").EnumerateArray())
            {
                if (benchmark.TryGetProperty("Statistics", out var statistics) && statistics.ValueKind == JsonValueKind.Object)
                {
                    var parameters = benchmark.TryGetProperty("Parameters", out var p) ? p.GetString() ?? string.Empty : string.Empty;
                    rows[(benchmark.GetProperty("Type").GetString()!, benchmark.GetProperty("Method").GetString()!, parameters)] =
                        statistics.GetProperty("Mean").GetDouble();
                }
            }
        }

        return rows;
    }

    private static List<PairedRow> LoadRoundRobin(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        var rows = new List<PairedRow>();
        foreach (var row in document.RootElement.GetProperty("Rows").EnumerateArray())
        {
            var ratio = row.GetProperty("Ratio");
            rows.Add(new PairedRow(
                row.GetProperty("Scenario").GetString()!,
                row.GetProperty("Row").GetString()!,
                row.GetProperty("IsBaseline").GetBoolean(),
                ratio.GetProperty("Median").GetDouble(),
                ratio.GetProperty("P25").GetDouble(),
                ratio.GetProperty("P75").GetDouble(),
                ratio.GetProperty("Count").GetInt32()));
        }

        return rows;
    }

    private static List<CurvePoint> LoadScale(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return [.. document.RootElement.GetProperty("Publish").EnumerateArray().Select(point => new CurvePoint(
            point.GetProperty("Subscribers").GetInt32(),
            point.GetProperty("EventBusNsPerSubscriber").GetProperty("Median").GetDouble(),
            point.GetProperty("DelegatesNsPerSubscriber").GetProperty("Median").GetDouble()))];
    }

    /// <summary>A row of the round-robin report: its paired ratio to the scenario's raw baseline.</summary>
    private sealed record PairedRow(string Scenario, string Row, bool IsBaseline, double Median, double P25, double P75, int Rounds);

    /// <summary>A point of the scale report's publish curve.</summary>
    private sealed record CurvePoint(int Subscribers, double EventBusNs, double DelegatesNs);

    /// <summary>A scenario. Ratios are to <paramref name="Reference"/> (default: the baseline, the first
    /// method); the target for one inline subscriber is the fastest peer, and a sub-nanosecond
    /// delegate call makes a poor divisor, so those panels divide by Subject&lt;T&gt;.</summary>
    private sealed record Panel(string Title, string Type, string Parameters, string[] Methods, string? Reference = null)
    {
        public string ReferenceMethod => Reference ?? Methods[0];
    }
}
