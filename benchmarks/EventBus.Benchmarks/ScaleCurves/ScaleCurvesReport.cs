using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>The scale curves' result and its markdown.</summary>
public sealed record ScaleCurvesReport(
    string? Note,
    DateTimeOffset StartedUtc,
    TimeSpan Duration,
    MachineInfo Machine,
    ScaleCurvesOptions Options,
    string CommandLine,
    IReadOnlyList<SubscribePoint> Subscribe,
    IReadOnlyList<PublishPoint> Publish) : IHarnessReport
{
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder().AppendLine("# Scale curves").AppendLine();
        if (!string.IsNullOrWhiteSpace(Note))
        {
            md.AppendLine(inv, $"> {Note}").AppendLine();
        }

        md.AppendLine(inv, $"- Run: {StartedUtc:yyyy-MM-dd HH:mm} UTC; run time {Duration.TotalSeconds:F0} s.")
            .AppendLine(inv, $"- Machine: {Machine}.")
            .AppendLine(inv, $"- Options: `--scale {CommandLine}`.");

        if (Subscribe.Count > 0)
        {
            md.AppendLine()
                .AppendLine("## Subscribing N subscriptions to one route")
                .AppendLine()
                .AppendLine("N inline subscriptions (one shared handler delegate) subscribed to one route that already exists, then")
                .AppendLine("unsubscribed in a shuffled order; repeated on fresh buses (reps) until at least --min-ops subscriptions were")
                .AppendLine("timed, and the point repeated (trials) while that was cheap, each figure the median over the trials. ns per")
                .AppendLine("operation: the mean over all N, and over the tenth done at the largest size (the last")
                .AppendLine("subscribes, the first unsubscribes). Flat columns mean O(1) per operation; allocated bytes per subscription")
                .AppendLine("flat means O(N) bytes in total. Retained: live heap growth per subscription after a full collection.")
                .AppendLine()
                .AppendLine("| N | reps | trials | subscribe ns | subscribe ns (last tenth) | unsubscribe ns | unsubscribe ns (first tenth) | allocated subscribing N | per subscription | retained per subscription | allocated unsubscribing N |")
                .AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var p in Subscribe)
            {
                if (p.Skipped is null)
                {
                    md.AppendLine(inv, $"| {p.Subscriptions:N0} | {p.Repetitions:N0} | {p.Trials} | {Num(p.SubscribeNs)} | {Num(p.SubscribeLastTenthNs)} | {Num(p.UnsubscribeNs)} | {Num(p.UnsubscribeFirstTenthNs)} | {Bytes(p.SubscribeBytes)} | {p.SubscribeBytesPerSubscription:N0} B | {p.RetainedBytesPerSubscription:N0} B | {Bytes(p.UnsubscribeBytes)} |");
                }
                else
                {
                    md.AppendLine(inv, $"| {p.Subscriptions:N0} | - | - | skipped: {p.Skipped} | | | | | | | |");
                }
            }
        }

        if (Publish.Count > 0)
        {
            md.AppendLine()
                .AppendLine("## Inline publish to N matching subscribers")
                .AppendLine()
                .AppendLine("One `IPublisher<T>.Publish` reaching N inline subscribers, in ns per subscriber (median and quartiles over the")
                .AppendLine("rounds, and the minimum: the least disturbed round), against the baseline, a loop over N delegates. Paired ratios,")
                .AppendLine("same round: EventBus over the baseline, and")
                .AppendLine(inv, $"EventBus at N over EventBus at N = {Options.Reference:N0} (the target: at most 1.3x at 4,096 against 256).")
                .AppendLine()
                .AppendLine(inv, $"| N | publishes/batch | EventBus ns/subscriber | p25 | p75 | min | delegates ns/subscriber | min | EventBus / delegates | vs N={Options.Reference:N0} | p25 | p75 | bytes/publish |")
                .AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var p in Publish)
            {
                md.AppendLine(inv,
                    $"| {p.Subscribers:N0} | {p.PublishesPerBatch:N0} | {p.EventBusNsPerSubscriber.Median:0.00} | {p.EventBusNsPerSubscriber.P25:0.00} | {p.EventBusNsPerSubscriber.P75:0.00} | {p.EventBusNsPerSubscriber.Min:0.00} | " +
                    $"{p.DelegatesNsPerSubscriber.Median:0.00} | {p.DelegatesNsPerSubscriber.Min:0.00} | {p.RatioToDelegates.Median:0.00}x | {p.RatioToReference.Median:0.00}x | {p.RatioToReference.P25:0.00}x | {p.RatioToReference.P75:0.00}x | {p.BytesPerPublish:0.###} |");
            }
        }

        return md.ToString();
    }

    private static string Num(double ns) => ns.ToString(ns >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (1 << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (bytes / (1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString("0", CultureInfo.InvariantCulture) + " B",
    };
}
