using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>The options of <c>--round-robin</c>; <see cref="Usage"/> lists them with their defaults.</summary>
public sealed record RoundRobinOptions : IHarnessOptions
{
    public const string Queued = "queued";
    public const string FanOut = "fan-out";
    public const string WorkQueue = "work-queue";

    public int Rounds { get; init; } = 15;

    public int WarmupRounds { get; init; } = 2;

    /// <summary>Warm-up rounds continue until this much time has passed, so tiered compilation has optimised the hot code.</summary>
    public double WarmupSeconds { get; init; } = Warmup.DefaultMinimum.TotalSeconds;

    /// <summary>Deliveries per row per round: that many events for 1->1 and the work queue, that many divided by N publishes for fan-out to N.</summary>
    public int Deliveries { get; init; } = 200_000;

    public IReadOnlyList<int> FanOutCounts { get; init; } = [1, 4, 16, 64];

    public IReadOnlyList<int> WorkerCounts { get; init; } = [2];

    public int Capacity { get; init; } = SubscriptionOptions.DefaultCapacity;

    public IReadOnlyList<string> Scenarios { get; init; } = [Queued, FanOut, WorkQueue];

    public int ProbeMilliseconds { get; init; } = 20;

    /// <summary>An absolute fast-state threshold in ns per round trip; when null, <see cref="FastFactor"/> times the run's lowest probe.</summary>
    public double? FastThresholdNs { get; init; }

    public double FastFactor { get; init; } = 1.5;

    public string OutputDirectory { get; init; } = HarnessMode.DefaultDirectory;

    public string Name { get; init; } = "round-robin";

    public string? Note { get; init; }

    public static string Usage => new StringBuilder()
        .AppendLine("dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --round-robin [options]")
        .AppendLine()
        .AppendLine("  --rounds N          measured rounds (default 15); every round runs every row once, in rotating order")
        .AppendLine("  --warmup N          unrecorded rounds first (default 2), and for at least --warmup-s")
        .AppendLine("  --warmup-s S        minimum warm-up time in seconds (default 3: tiered compilation needs it)")
        .AppendLine("  --deliveries N      deliveries per row per round (default 200000): N events for 1->1 and the work queue,")
        .AppendLine("                      N / subscribers publishes for fan-out")
        .AppendLine("  --fan-out LIST      subscriber counts of the fan-out scenarios (default 1,4,16,64)")
        .AppendLine("  --workers LIST      worker counts of the work-queue scenarios (default 2)")
        .AppendLine("  --capacity N        bounded capacity of every buffer (default 1024, EventBus's default)")
        .AppendLine("  --scenarios LIST    any of queued,fan-out,work-queue (default all)")
        .AppendLine("  --probe-ms N        length of the ping-pong probe before each round (default 20)")
        .AppendLine("  --fast-ns X         fast state: both probes around a round at or below X ns per round trip")
        .AppendLine("  --fast-factor F     without --fast-ns, the threshold is F x the run's lowest probe (default 1.5)")
        .AppendLine("  --out DIR           output folder (default benchmarks/results, which git ignores)")
        .AppendLine("  --name NAME         file name of the report: NAME.md and NAME.json (default round-robin)")
        .AppendLine("  --note TEXT         a line for the report's header (for example which engine this is)")
        .ToString();

    public static RoundRobinOptions Parse(IReadOnlyList<string> args)
    {
        var line = OptionReader.Parse(args,
            ["--rounds", "--warmup", "--warmup-s", "--deliveries", "--fan-out", "--workers", "--capacity", "--scenarios", "--probe-ms",
                "--fast-ns", "--fast-factor", "--out", "--name", "--note"],
            []);
        var defaults = new RoundRobinOptions();
        var scenarios = line.Text("--scenarios", string.Join(',', defaults.Scenarios))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant())
            .Distinct()
            .ToArray();
        foreach (var scenario in scenarios)
        {
            if (scenario is not (Queued or FanOut or WorkQueue))
            {
                throw new OptionException($"Unknown scenario '{scenario}' in --scenarios: use {Queued}, {FanOut} or {WorkQueue}.");
            }
        }

        return new RoundRobinOptions
        {
            Rounds = line.Whole("--rounds", defaults.Rounds, min: 1),
            WarmupRounds = line.Whole("--warmup", defaults.WarmupRounds, min: 0),
            WarmupSeconds = line.Number("--warmup-s", defaults.WarmupSeconds, min: 0),
            Deliveries = line.Whole("--deliveries", defaults.Deliveries, min: 1),
            FanOutCounts = line.Wholes("--fan-out", [.. defaults.FanOutCounts], min: 1, max: 4096),
            WorkerCounts = line.Wholes("--workers", [.. defaults.WorkerCounts], min: 1, max: 64),
            Capacity = line.Whole("--capacity", defaults.Capacity, min: 1),
            Scenarios = scenarios,
            ProbeMilliseconds = line.Whole("--probe-ms", defaults.ProbeMilliseconds, min: 1, max: 10_000),
            FastThresholdNs = line.Has("--fast-ns") ? line.Number("--fast-ns", 0, min: 0) : null,
            FastFactor = line.Number("--fast-factor", defaults.FastFactor, min: 1),
            OutputDirectory = line.Text("--out", defaults.OutputDirectory),
            Name = line.Text("--name", defaults.Name),
            Note = line.Has("--note") ? line.Text("--note", "") : null,
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"--rounds {Rounds} --warmup {WarmupRounds} --warmup-s {WarmupSeconds} --deliveries {Deliveries} --fan-out {string.Join(',', FanOutCounts)} " +
        $"--workers {string.Join(',', WorkerCounts)} --capacity {Capacity} --scenarios {string.Join(',', Scenarios)} " +
        $"--probe-ms {ProbeMilliseconds} {(FastThresholdNs is { } ns ? "--fast-ns " + ns.ToString(CultureInfo.InvariantCulture) : "--fast-factor " + FastFactor.ToString(CultureInfo.InvariantCulture))}");
}
