using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// The frame of a harness mode (<c>--round-robin</c>, <c>--scale</c>): <c>--help</c>, option errors
/// (the message and the usage, exit code 2), the measurement, and the report written as
/// <c>Name.md</c> and <c>Name.json</c> and printed.
/// </summary>
public static class HarnessMode
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The default output folder: benchmarks/results in the repository (git ignores it).</summary>
    public static string DefaultDirectory => Path.Combine(MachineInfo.RepositoryRoot(), "benchmarks", "results");

    public static int Run<TOptions>(IReadOnlyList<string> args, Func<IReadOnlyList<string>, TOptions> parse, string usage,
        Func<TOptions, IHarnessReport> measure)
        where TOptions : IHarnessOptions
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(measure);
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(usage);
            return 0;
        }

        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (OptionException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine();
            Console.Error.WriteLine(usage);
            return 2;
        }

        var report = measure(options);
        var markdown = report.ToMarkdown();
        Directory.CreateDirectory(options.OutputDirectory);
        var md = Path.Combine(options.OutputDirectory, options.Name + ".md");
        var json = Path.Combine(options.OutputDirectory, options.Name + ".json");
        File.WriteAllText(md, markdown);
        File.WriteAllText(json, JsonSerializer.Serialize(report, report.GetType(), s_json));
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Written: {md}, {json}");
        return 0;
    }
}
