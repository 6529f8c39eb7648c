using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EventBus.Benchmarks.DurableQueue;
using EventBus.Benchmarks.Infrastructure;
using EventBus.Benchmarks.Reporting;
using EventBus.Benchmarks.RoundRobin;
using EventBus.Benchmarks.ScaleCurves;
using EventBus.Benchmarks.Suites;
using Perfolizer.Horology;

namespace EventBus.Benchmarks;

/// <summary>
/// Entry point. Without a mode flag every argument goes to <see cref="BenchmarkSwitcher"/>
/// (<c>--filter '*'</c> runs everything with the default job). Modes:
/// <list type="bullet">
/// <item><c>--quick</c>: every suite (or the given <c>--filter</c>) with a short in-process job, JSON
/// results under BenchmarkDotNet.Artifacts/quick, then the target check. Under five minutes on two cores.</item>
/// <item><c>--check-targets [results-dir]</c>: the target table from an earlier run's JSON.</item>
/// <item><c>--subscription-memory [results-dir]</c>: only the idle-subscription memory measurement.</item>
/// <item><c>--round-robin [options]</c>: the cross-thread suites as interleaved rounds with paired ratios
/// (<see cref="RoundRobinRunner"/>; <c>--round-robin --help</c> lists the options).</item>
/// <item><c>--scale [options]</c>: the scale curves, subscribe/unsubscribe cost and per-subscriber inline
/// publish cost against the subscription count (<see cref="ScaleCurvesRunner"/>).</item>
/// <item><c>--durable [options]</c>: enqueue-to-processed throughput of the SQLite work queue against a raw
/// Microsoft.Data.Sqlite loop (<see cref="DurableQueueRunner"/>).</item>
/// </list>
/// </summary>
public static class Program
{
    private const string DefaultArtifacts = "BenchmarkDotNet.Artifacts";
    private const string QuickArtifacts = "BenchmarkDotNet.Artifacts/quick";

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--check-targets")
        {
            return TargetCheck.Run(args.Length > 1 ? args[1] : Path.Combine(DefaultArtifacts, "results"));
        }

        if (args.Length > 0 && args[0] == "--round-robin")
        {
            return RoundRobinRunner.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "--scale")
        {
            return ScaleCurvesRunner.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "--durable")
        {
            return DurableQueueRunner.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "--subscription-memory")
        {
            SubscriptionMemory.Write(SubscriptionMemory.Measure(), args.Length > 1 ? args[1] : Path.Combine(DefaultArtifacts, "results"));
            return 0;
        }

        if (args.Contains("--quick"))
        {
            return RunQuick([.. args.Where(a => a != "--quick")]);
        }

        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddExporter(JsonExporter.Full)
            .AddExporter(MarkdownExporter.GitHub);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        return AfterRun(summaries, measureMemoryIfScaleRan: true);
    }

    private static int RunQuick(string[] args)
    {
        var results = Path.Combine(QuickArtifacts, "results");
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }

        if (!args.Any(a => a is "--filter" or "-f"))
        {
            args = [.. args, "--filter", "*"];
        }

        // Measured first, in a process that has not run any benchmark yet.
        if (Selects(args, nameof(ScaleBenchmarks)))
        {
            SubscriptionMemory.Write(SubscriptionMemory.Measure(), results);
        }

        // ShortRun's single launch and 3 warm-ups, 5 iterations of 100 ms, in this process: a few
        // seconds per benchmark case instead of the default job's twenty or more.
        var job = Job.ShortRun
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("Quick");
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddExporter(JsonExporter.Full)
            .WithArtifactsPath(QuickArtifacts);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        return AfterRun(summaries, measureMemoryIfScaleRan: false);
    }

    private static int AfterRun(Summary[] summaries, bool measureMemoryIfScaleRan)
    {
        if (summaries.Length == 0)
        {
            return 0;
        }

        var results = summaries[0].ResultsDirectoryPath;
        if (measureMemoryIfScaleRan && summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(ScaleBenchmarks))))
        {
            SubscriptionMemory.Write(SubscriptionMemory.Measure(), results);
        }

        TargetCheck.Run(results);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }

    /// <summary>Rough match of a --filter glob against a suite name, so quick runs of other suites skip the memory measurement.</summary>
    private static bool Selects(string[] args, string suite)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] is "--filter" or "-f")
            {
                for (var j = i + 1; j < args.Length && !args[j].StartsWith('-'); j++)
                {
                    var pattern = args[j].Trim('*');
                    if (pattern.Length == 0 || suite.Contains(pattern, StringComparison.OrdinalIgnoreCase) ||
                        pattern.Contains(suite, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
