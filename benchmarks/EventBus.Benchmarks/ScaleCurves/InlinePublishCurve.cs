using System.Diagnostics;
using System.Globalization;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>
/// Curve (b) of issue 15's "Scale": the cost per matching inline subscriber of one
/// <see cref="IPublisher{TEvent}.Publish"/>, from 1 to 16,384 subscribers, against a loop over the
/// same number of delegates. Single-threaded. Every round times one batch of each count and row, the
/// counts in rotating order; every batch is checked (each handler ran once per publish).
/// </summary>
public static class InlinePublishCurve
{
    public static IReadOnlyList<PublishPoint> Measure(ScaleCurvesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var counts = options.PublishCounts.Order().ToArray();
        var setups = counts.Select(n => new Setup(n, Math.Max(1, options.PublishDeliveries / n))).ToArray();
        var bus = new double[counts.Length][];
        var delegates = new double[counts.Length][];
        var bytes = new long[counts.Length];
        for (var c = 0; c < counts.Length; c++)
        {
            bus[c] = new double[options.Rounds];
            delegates[c] = new double[options.Rounds];
        }

        // One round: one batch of each count, EventBus then the baseline, starting one count further on than the round before.
        void RunRound(int rotation, int round)
        {
            for (var i = 0; i < setups.Length; i++)
            {
                var c = (rotation + i) % setups.Length;
                var setup = setups[c];
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var busNs = setup.TimeEventBus();
                var allocatedByBus = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                var delegatesNs = setup.TimeDelegates();
                if (round >= 0)
                {
                    bus[c][round] = busNs;
                    delegates[c][round] = delegatesNs;
                    bytes[c] += allocatedByBus;
                }
            }

            if (round >= 0)
            {
                var line = string.Join(", ", counts.Select((n, c) => string.Create(CultureInfo.InvariantCulture, $"N={n} {bus[c][round]:F2} ns")));
                Console.WriteLine($"publish round {round + 1}/{options.Rounds} (ns per subscriber): {line}");
            }
        }

        var warmups = Warmup.Run(options.WarmupRounds, TimeSpan.FromSeconds(options.WarmupSeconds), r => RunRound(r, -1));
        for (var round = 0; round < options.Rounds; round++)
        {
            RunRound(warmups + round, round);
        }

        foreach (var setup in setups)
        {
            setup.Dispose();
        }

        var reference = Array.IndexOf(counts, options.Reference);
        return [.. counts.Select((n, c) => new PublishPoint(
            n,
            setups[c].Publishes,
            Distribution.Of(bus[c]),
            Distribution.Of(delegates[c]),
            Distribution.Of(bus[c].Zip(delegates[c], (b, d) => b / d)),
            Distribution.Of(bus[c].Zip(bus[reference], (b, refNs) => b / refNs)),
            (double)bytes[c] / ((long)options.Rounds * setups[c].Publishes)))];
    }

    /// <summary>One subscriber count: a bus with that many inline subscriptions, and the delegate array of the baseline.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly Sink _sink = new();
        private readonly ClassEvent _event = new();
        private readonly IEventBus _bus = EventBusFactory.Create();
        private readonly IPublisher<ClassEvent> _publisher;
        private readonly Action<ClassEvent>[] _delegates;
        private readonly int _subscribers;

        public Setup(int subscribers, int publishes)
        {
            _subscribers = subscribers;
            Publishes = publishes;
            Action<ClassEvent> handler = _sink.Handle;
            var inline = new SubscriptionOptions { Mode = DeliveryMode.Inline };
            for (var i = 0; i < subscribers; i++)
            {
                _bus.Subscribe(handler, inline);
            }

            _publisher = _bus.GetPublisher<ClassEvent>();
            _delegates = new Action<ClassEvent>[subscribers];
            Array.Fill(_delegates, handler);
        }

        public int Publishes { get; }

        /// <summary>Times one batch of typed publishes; returns ns per subscriber and checks every handler ran.</summary>
        public double TimeEventBus()
        {
            var before = _sink.Count;
            var publisher = _publisher;
            var e = _event;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Publishes; i++)
            {
                publisher.Publish(e);
            }

            return Check(start, before, "EventBus inline publish");
        }

        /// <summary>Times one batch of the baseline: a loop over N delegates per publish.</summary>
        public double TimeDelegates()
        {
            var before = _sink.Count;
            var handlers = _delegates;
            var e = _event;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Publishes; i++)
            {
                foreach (var handler in handlers)
                {
                    handler(e);
                }
            }

            return Check(start, before, "delegate loop");
        }

        public void Dispose() => _bus.Dispose();

        private double Check(long start, long before, string what)
        {
            var ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;

            var expected = (long)Publishes * _subscribers * _event.Value;
            var handled = _sink.Count - before;

            // The message is built only on failure: a string per batch would show up in the bytes column.
            if (expected != handled)
            {
                Verify.Equal(expected, handled, $"{what} to {_subscribers} subscribers");
            }

            return ns / ((double)Publishes * _subscribers);
        }
    }
}
