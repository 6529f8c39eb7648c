using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace EventBus.Benchmarks.Charts;

/// <summary>
/// Draws benchmarks/results.png from a run's BenchmarkDotNet JSON reports: one panel per scenario,
/// each row's mean as a ratio to that scenario's reference (the raw primitive, or the fastest peer
/// where that is the target), EventBus rows in orange, peers in blue, the reference in grey.
/// Usage: dotnet run --project benchmarks/EventBus.Benchmarks.Charts -- [results-dir] [output.png]
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
        var directory = args.Length > 0 ? args[0] : Path.Combine("BenchmarkDotNet.Artifacts", "results");
        var output = args.Length > 1 ? args[1] : Path.Combine("benchmarks", "results.png");
        var rows = Load(directory);
        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"No *-report-full.json in {Path.GetFullPath(directory)}.");
            return 1;
        }

        var panels = s_panels.Where(p => p.Methods.Any(m => rows.ContainsKey((p.Type, m, p.Parameters)))).ToArray();
        const int Columns = 3;
        var gridRows = (panels.Length + Columns - 1) / Columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(gridRows, Columns);
        for (var i = 0; i < panels.Length; i++)
        {
            Draw(multiplot.GetPlot(i), panels[i], rows);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        multiplot.SavePng(output, Columns * 560, gridRows * 300);
        Console.WriteLine($"Wrote {Path.GetFullPath(output)} ({panels.Length} panels).");
        return 0;
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

        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Add.VerticalLine(1.0, 1, Colors.Black.WithAlpha(0.5), LinePattern.Dashed);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. positions], [.. labels]);
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0, right: 0.45, bottom: 0.05, top: 0.05);
        plot.Title(panel.Title, size: 13);
        plot.XLabel("mean / reference (grey)", size: 11);
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

    /// <summary>A scenario. Ratios are to <paramref name="Reference"/> (default: the baseline, the first
    /// method); the target for one inline subscriber is the fastest peer, and a sub-nanosecond
    /// delegate call makes a poor divisor, so those panels divide by Subject&lt;T&gt;.</summary>
    private sealed record Panel(string Title, string Type, string Parameters, string[] Methods, string? Reference = null)
    {
        public string ReferenceMethod => Reference ?? Methods[0];
    }
}
