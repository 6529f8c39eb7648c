using System.Globalization;
using System.Text.Json;

namespace EventBus.Benchmarks.Reporting;

/// <summary>One row of a BenchmarkDotNet JSON report: enough to compute ratios and check allocations.</summary>
public sealed record BenchmarkRow(string Type, string Method, string Parameters, double MeanNs, long? AllocatedBytes);

/// <summary>Reads every <c>*-report-full.json</c> BenchmarkDotNet wrote into a results directory.</summary>
public sealed class BenchmarkResults
{
    private readonly List<BenchmarkRow> _rows = [];

    public IReadOnlyList<BenchmarkRow> Rows => _rows;

    /// <summary>The environment line of the first report (CPU, cores, runtime), as BenchmarkDotNet saw it.</summary>
    public string Environment { get; private set; } = "unknown";

    public static BenchmarkResults Load(string directory)
    {
        var results = new BenchmarkResults();
        if (!Directory.Exists(directory))
        {
            return results;
        }

        foreach (var file in Directory.GetFiles(directory, "*-report-full.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            if (results.Environment == "unknown" && root.TryGetProperty("HostEnvironmentInfo", out var host))
            {
                results.Environment = string.Create(CultureInfo.InvariantCulture,
                    $"{Text(host, "ProcessorName")}, {Number(host, "PhysicalProcessorCount")} CPU, {Number(host, "LogicalCoreCount")} logical cores; {Text(host, "RuntimeVersion")}; BenchmarkDotNet {Text(host, "BenchmarkDotNetVersion")}");
            }

            foreach (var benchmark in root.GetProperty("Benchmarks").EnumerateArray())
            {
                if (!benchmark.TryGetProperty("Statistics", out var statistics) || statistics.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                long? allocated = benchmark.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    ? memory.GetProperty("BytesAllocatedPerOperation").GetInt64()
                    : null;
                results._rows.Add(new BenchmarkRow(
                    benchmark.GetProperty("Type").GetString()!,
                    benchmark.GetProperty("Method").GetString()!,
                    benchmark.TryGetProperty("Parameters", out var parameters) ? parameters.GetString() ?? string.Empty : string.Empty,
                    statistics.GetProperty("Mean").GetDouble(),
                    allocated));
            }
        }

        return results;
    }

    public BenchmarkRow? Find(string type, string method, string parameters = "") =>
        _rows.LastOrDefault(r => r.Type == type && r.Method == method && r.Parameters == parameters);

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "?";

    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "?";
}
