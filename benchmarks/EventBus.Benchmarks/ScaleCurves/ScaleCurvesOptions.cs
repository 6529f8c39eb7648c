using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>The options of <c>--scale</c>; <see cref="Usage"/> lists them with their defaults.</summary>
public sealed record ScaleCurvesOptions : IHarnessOptions
{
    public IReadOnlyList<int> SubscribeCounts { get; init; } = [1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];

    /// <summary>Each subscribe point repeats on fresh buses until at least this many subscriptions were timed.</summary>
    public int MinimumOperations { get; init; } = 10_000;

    /// <summary>A subscribe point is skipped when its timed operations, predicted from the last point as if each grew with N, would take longer.</summary>
    public double BudgetSeconds { get; init; } = 120;

    /// <summary>At most this many trials of a subscribe point, combined by their median.</summary>
    public int Trials { get; init; } = 5;

    /// <summary>Further trials of a subscribe point start only while its trials so far took less than this.</summary>
    public double TrialSeconds { get; init; } = 3;

    public IReadOnlyList<int> PublishCounts { get; init; } = [1, 16, 64, 256, 1_024, 4_096, 16_384];

    /// <summary>Deliveries per timed batch of the publish curve (publishes = this / N, at least one).</summary>
    public int PublishDeliveries { get; init; } = 1_000_000;

    public int Rounds { get; init; } = 15;

    public int WarmupRounds { get; init; } = 2;

    /// <summary>Each curve warms up for at least this long, so tiered compilation has optimised the measured code.</summary>
    public double WarmupSeconds { get; init; } = Warmup.DefaultMinimum.TotalSeconds;

    /// <summary>The subscriber count every other count's per-subscriber cost is divided by (in the same round).</summary>
    public int Reference { get; init; } = 256;

    public bool SkipSubscribe { get; init; }

    public bool SkipPublish { get; init; }

    public string OutputDirectory { get; init; } = HarnessMode.DefaultDirectory;

    public string Name { get; init; } = "scale";

    public string? Note { get; init; }

    public static string Usage => new StringBuilder()
        .AppendLine("dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --scale [options]")
        .AppendLine()
        .AppendLine("Subscribe curve: N inline subscriptions on one route, subscribed then unsubscribed (shuffled order).")
        .AppendLine("  --subscribe-counts LIST  N values (default 1,3,10,30,100,300,1000,3000,10000,30000,100000)")
        .AppendLine("  --min-ops N              repeat a point on fresh buses until N subscriptions were timed (default 10000)")
        .AppendLine("  --trials N / --trial-s S repeat a point up to N times (default 5) while its trials took under S seconds")
        .AppendLine("                           (default 3); each figure is the median over the trials")
        .AppendLine("  --budget-s S             skip a point whose predicted time exceeds S seconds (default 120; 0: never). The prediction")
        .AppendLine("                           takes the last point's ns per operation as growing in proportion to N (copy-on-write)")
        .AppendLine("  --no-subscribe           skip this curve")
        .AppendLine("Publish curve: one typed publish to N matching inline subscribers, against a loop over N delegates.")
        .AppendLine("  --publish-counts LIST    N values (default 1,16,64,256,1024,4096,16384)")
        .AppendLine("  --publish-deliveries N   deliveries per timed batch (default 1000000)")
        .AppendLine("  --rounds N               measured rounds, every N once per round in rotating order (default 15)")
        .AppendLine("  --warmup N               unrecorded rounds first (default 2)")
        .AppendLine("  --warmup-s S             minimum warm-up time of each curve in seconds (default 3)")
        .AppendLine("  --reference N            the count the others are compared with, paired by round (default 256)")
        .AppendLine("  --no-publish             skip this curve")
        .AppendLine("  --out DIR                output folder (default benchmarks/results, which git ignores)")
        .AppendLine("  --name NAME              file name of the report: NAME.md and NAME.json (default scale)")
        .AppendLine("  --note TEXT              a line for the report's header")
        .ToString();

    public static ScaleCurvesOptions Parse(IReadOnlyList<string> args)
    {
        var line = OptionReader.Parse(args,
            ["--subscribe-counts", "--min-ops", "--trials", "--trial-s", "--budget-s", "--publish-counts", "--publish-deliveries", "--rounds", "--warmup", "--warmup-s",
                "--reference", "--out", "--name", "--note"],
            ["--no-subscribe", "--no-publish"]);
        var d = new ScaleCurvesOptions();
        var publishCounts = line.Wholes("--publish-counts", [.. d.PublishCounts], min: 1, max: 1_000_000);
        var reference = line.Whole("--reference", publishCounts.Contains(d.Reference) ? d.Reference : publishCounts.Min(), min: 1);
        if (!publishCounts.Contains(reference))
        {
            throw new OptionException($"--reference {reference} must be one of the publish counts ({string.Join(',', publishCounts)}).");
        }

        return new ScaleCurvesOptions
        {
            SubscribeCounts = line.Wholes("--subscribe-counts", [.. d.SubscribeCounts], min: 1, max: 10_000_000),
            MinimumOperations = line.Whole("--min-ops", d.MinimumOperations, min: 1),
            Trials = line.Whole("--trials", d.Trials, min: 1),
            TrialSeconds = line.Number("--trial-s", d.TrialSeconds, min: 0),
            BudgetSeconds = line.Number("--budget-s", d.BudgetSeconds, min: 0),
            PublishCounts = publishCounts,
            PublishDeliveries = line.Whole("--publish-deliveries", d.PublishDeliveries, min: 1),
            Rounds = line.Whole("--rounds", d.Rounds, min: 1),
            WarmupRounds = line.Whole("--warmup", d.WarmupRounds, min: 0),
            WarmupSeconds = line.Number("--warmup-s", d.WarmupSeconds, min: 0),
            Reference = reference,
            SkipSubscribe = line.Has("--no-subscribe"),
            SkipPublish = line.Has("--no-publish"),
            OutputDirectory = line.Text("--out", d.OutputDirectory),
            Name = line.Text("--name", d.Name),
            Note = line.Has("--note") ? line.Text("--note", "") : null,
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"--subscribe-counts {string.Join(',', SubscribeCounts)} --min-ops {MinimumOperations} --trials {Trials} --trial-s {TrialSeconds} --budget-s {BudgetSeconds} " +
        $"--publish-counts {string.Join(',', PublishCounts)} --publish-deliveries {PublishDeliveries} --rounds {Rounds} " +
        $"--warmup {WarmupRounds} --warmup-s {WarmupSeconds} --reference {Reference}{(SkipSubscribe ? " --no-subscribe" : "")}{(SkipPublish ? " --no-publish" : "")}");
}
