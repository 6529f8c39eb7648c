using System.Diagnostics;

namespace EventBus.Reliability.Tests;

/// <summary>Scenario 26: inline lanes taken by several publishers at once, round after round: every call counted once,
/// in each publisher's order, and the bus's drain ends.</summary>
public sealed class InlineContentionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario26_inline_lanes_shared_by_publishers_count_every_call_once_and_drain()
    {
        const int rounds = 30;
        const int publishers = 4;
        const int subscribers = 8;
        const int perPublisher = 5_000;
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            var bus = EventBusFactory.Create();
            var next = new int[subscribers, publishers];
            var inside = new int[subscribers];
            var faults = 0;
            var firstFaults = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var subscriptions = new IEventSubscription[subscribers];
            for (var s = 0; s < subscribers; s++)
            {
                var subscriber = s;
                subscriptions[s] = bus.Subscribe<Ping>(
                    ping =>
                    {
                        // One call at a time per lane, so the row needs no lock; a second call inside is itself a fault.
                        var overlapping = Interlocked.Increment(ref inside[subscriber]) != 1;
                        var expected = next[subscriber, ping.Publisher];
                        if (overlapping || expected != ping.Sequence)
                        {
                            if (Interlocked.Increment(ref faults) <= 8)
                            {
                                firstFaults.Enqueue($"subscriber {subscriber}, publisher {ping.Publisher}: {(overlapping ? "overlapping call, " : "")}expected {expected}, got {ping.Sequence}");
                            }
                        }

                        next[subscriber, ping.Publisher] = ping.Sequence + 1;
                        Interlocked.Decrement(ref inside[subscriber]);
                    },
                    new SubscriptionOptions { Mode = DeliveryMode.Inline });
            }

            await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < perPublisher; i++)
                {
                    if (i % 64 == 0)
                    {
                        await Task.Yield();
                    }

                    await bus.PublishAsync(new Ping(p, i));
                }
            }))).WaitAsync(TimeSpan.FromSeconds(60));

            // Bounded: a lost count made this drain wait for an event that did not exist.
            var result = await bus.CompleteAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            await bus.DisposeAsync();

            faults.Should().Be(0, $"round {round}: calls of one lane never overlap, and each publisher's events arrive in order (first: {string.Join("; ", firstFaults)})");
            result.Delivered.Should().Be((long)subscribers * publishers * perPublisher, $"round {round}: every call counted once");
            foreach (var subscription in subscriptions)
            {
                var statistics = subscription.GetStatistics();
                (statistics.Delivered + statistics.DeadLettered + statistics.Dropped + statistics.Abandoned)
                    .Should().Be(publishers * perPublisher, $"round {round}: every accepted event has one outcome");
            }
        }

        output.WriteLine($"scenario 26: {rounds} rounds of {publishers} publishers x {perPublisher} events x {subscribers} inline subscribers: " +
            $"every call counted once, in order, {clock.Elapsed.TotalSeconds:F1} s");
    }
}
