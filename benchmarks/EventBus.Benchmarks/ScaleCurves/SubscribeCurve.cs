using System.Diagnostics;
using System.Globalization;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>
/// Curve (a) of issue 15's "Scale": what subscribing N subscriptions to one route costs in time and
/// bytes, and what unsubscribing them costs, from 1 to 100,000. Inline subscriptions sharing one
/// handler delegate, so the numbers are the route's bookkeeping and the subscription objects, with
/// no channel, loop or per-subscription delegate in them. Every point checks that a publish reaches
/// exactly N handlers after subscribing and none after unsubscribing.
/// </summary>
public static class SubscribeCurve
{
    private const int Seed = 15;

    public static IReadOnlyList<SubscribePoint> Measure(ScaleCurvesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Untimed: JIT, tiering and statics, so the first points are not charged for them.
        Warmup.Run(2, TimeSpan.FromSeconds(options.WarmupSeconds), pass => MeasureOne(pass % 2 == 0 ? 1_000 : 1, pass % 2 == 0 ? 1 : 1_000));

        var points = new List<SubscribePoint>();
        SubscribePoint? last = null;
        foreach (var n in options.SubscribeCounts.Order())
        {
            var repetitions = Repetitions(n, options.MinimumOperations);
            if (last is { Skipped: null } && options.BudgetSeconds > 0)
            {
                // As if each operation grew with N (copy-on-write): the timed operations at N, each dearer by the growth.
                var growth = (double)n / last.Subscriptions;
                var predicted = (last.SubscribeNs + last.UnsubscribeNs) * growth * n * repetitions / 1e9;
                if (predicted > options.BudgetSeconds)
                {
                    var reason = string.Create(CultureInfo.InvariantCulture,
                        $"predicted {predicted:F0} s (N={last.Subscriptions:N0}: {last.SubscribeNs + last.UnsubscribeNs:F0} ns per subscribe and unsubscribe, times the growth) > --budget-s {options.BudgetSeconds}");
                    points.Add(SubscribePoint.Skip(n, reason));
                    Console.WriteLine($"subscribe N={n:N0}: skipped, {reason}");
                    last = points[^1];
                    continue;
                }
            }
            else if (last is { Skipped: not null })
            {
                points.Add(SubscribePoint.Skip(n, "a smaller point was skipped"));
                continue;
            }

            last = MeasureTrials(n, repetitions, options);
            points.Add(last);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"subscribe N={n:N0} x{repetitions}, {last.Trials} trials: {last.SubscribeNs:F0} ns/subscribe ({last.SubscribeLastTenthNs:F0} at N), " +
                $"{last.UnsubscribeNs:F0} ns/unsubscribe, {last.SubscribeBytesPerSubscription:N0} B allocated per subscription, {last.Seconds:F1} s"));
        }

        return points;
    }

    /// <summary>
    /// Up to <see cref="ScaleCurvesOptions.Trials"/> trials of a point while they take under
    /// <see cref="ScaleCurvesOptions.TrialSeconds"/> in all (at least one), combined by the median of
    /// each column: a trial that another process interrupted does not decide the point.
    /// </summary>
    private static SubscribePoint MeasureTrials(int n, int repetitions, ScaleCurvesOptions options)
    {
        var trials = new List<SubscribePoint>();
        var seconds = 0.0;
        do
        {
            trials.Add(MeasureOne(n, repetitions));
            seconds += trials[^1].Seconds;
        }
        while (trials.Count < options.Trials && seconds < options.TrialSeconds);

        double Median(Func<SubscribePoint, double> column) => Distribution.Of(trials.Select(column)).Median;
        return new SubscribePoint(n, repetitions, Median(p => p.SubscribeNs), Median(p => p.SubscribeLastTenthNs),
            Median(p => p.UnsubscribeNs), Median(p => p.UnsubscribeFirstTenthNs), Median(p => p.SubscribeBytes),
            Median(p => p.RetainedBytesPerSubscription), Median(p => p.UnsubscribeBytes), seconds, Trials: trials.Count);
    }

    private static int Repetitions(int n, int minimumOperations) => Math.Max(1, (minimumOperations + n - 1) / n);

    private static SubscribePoint MeasureOne(int n, int repetitions)
    {
        var clock = Stopwatch.StartNew();
        var sink = new Sink();
        Action<ClassEvent> handler = sink.Handle;
        var options = new SubscriptionOptions { Mode = DeliveryMode.Inline };
        var e = new ClassEvent();

        var buses = new IEventBus[repetitions];
        var publishers = new IPublisher<ClassEvent>[repetitions];
        var subscriptions = new IEventSubscription[repetitions][];
        for (var b = 0; b < repetitions; b++)
        {
            // The route exists before the timing starts: a subscription came and went, and a publisher holds it.
            buses[b] = EventBusFactory.Create();
            publishers[b] = buses[b].GetPublisher<ClassEvent>();
            buses[b].Subscribe(handler, options).Dispose();
            subscriptions[b] = new IEventSubscription[n];
        }

        // Unsubscribed in a shuffled order (the same for every bus): neither the best nor the worst case of any layout.
        var order = Enumerable.Range(0, n).ToArray();
        new Random(Seed).Shuffle(order);
        var tenth = Math.Max(1, n / 10);
        var split = n - tenth;

        var heapBefore = SubscriptionMemory.LiveHeap();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        for (var b = 0; b < repetitions; b++)
        {
            var (bus, subs) = (buses[b], subscriptions[b]);
            for (var i = 0; i < split; i++)
            {
                subs[i] = bus.Subscribe(handler, options);
            }
        }

        var lastTenthStart = Stopwatch.GetTimestamp();
        for (var b = 0; b < repetitions; b++)
        {
            var (bus, subs) = (buses[b], subscriptions[b]);
            for (var i = split; i < n; i++)
            {
                subs[i] = bus.Subscribe(handler, options);
            }
        }

        var subscribed = Stopwatch.GetTimestamp();
        var subscribeBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var retained = SubscriptionMemory.LiveHeap() - heapBefore;

        CheckDeliveries(sink, publishers, e, n, "after subscribing");

        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var unsubscribeStart = Stopwatch.GetTimestamp();
        foreach (var subs in subscriptions)
        {
            for (var j = 0; j < tenth; j++)
            {
                subs[order[j]].Dispose();
            }
        }

        var restStart = Stopwatch.GetTimestamp();
        foreach (var subs in subscriptions)
        {
            for (var j = tenth; j < n; j++)
            {
                subs[order[j]].Dispose();
            }
        }

        var unsubscribed = Stopwatch.GetTimestamp();
        var unsubscribeBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        CheckDeliveries(sink, publishers, e, 0, "after unsubscribing");
        foreach (var bus in buses)
        {
            bus.Dispose();
        }

        double total = (double)n * repetitions;
        return new SubscribePoint(
            n,
            repetitions,
            Ns(start, subscribed) / total,
            Ns(lastTenthStart, subscribed) / ((double)tenth * repetitions),
            Ns(unsubscribeStart, unsubscribed) / total,
            Ns(unsubscribeStart, restStart) / ((double)tenth * repetitions),
            (double)subscribeBytes / repetitions,
            (double)retained / total,
            (double)unsubscribeBytes / repetitions,
            clock.Elapsed.TotalSeconds);
    }

    private static void CheckDeliveries(Sink sink, IPublisher<ClassEvent>[] publishers, ClassEvent e, int expectedEach, string when)
    {
        var before = sink.Count;
        foreach (var publisher in publishers)
        {
            publisher.Publish(e);
        }

        Verify.Equal((long)expectedEach * publishers.Length * e.Value, sink.Count - before, $"inline deliveries {when}");
    }

    private static double Ns(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalNanoseconds;
}
