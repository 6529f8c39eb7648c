using EventBus.Benchmarks.CrossThread;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>
/// The scenarios and rows of the round-robin harness, the same as the BenchmarkDotNet cross-thread
/// suites (2, 3 and 4) and their peers: the raw primitive as the baseline, EventBus (class and
/// struct events where suite 2 has both), and the Dataflow blocks.
/// </summary>
public static class RowCatalog
{
    public static IReadOnlyList<Scenario> Create(RoundRobinOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scenarios = new List<Scenario>();
        var capacity = options.Capacity;
        var classEvent = new ClassEvent();
        var structEvent = new StructEvent(42);

        if (options.Scenarios.Contains(RoundRobinOptions.Queued))
        {
            const string Class = "queued 1->1 (class)", Struct = "queued 1->1 (struct)";
            scenarios.Add(new Scenario(Class, options.Deliveries,
            [
                new RawChannelsRow<ClassEvent>(Class, "Channel_Class", 1, capacity, classEvent),
                new EventBusSubscriptionsRow<ClassEvent>(Class, "EventBus_Class", 1, capacity, classEvent),
                new ActionBlockRow<ClassEvent>(Class, "ActionBlock_Class", 1, capacity, classEvent),
            ]));
            scenarios.Add(new Scenario(Struct, options.Deliveries,
            [
                new RawChannelsRow<StructEvent>(Struct, "Channel_Struct", 1, capacity, structEvent),
                new EventBusSubscriptionsRow<StructEvent>(Struct, "EventBus_Struct", 1, capacity, structEvent),
                new ActionBlockRow<StructEvent>(Struct, "ActionBlock_Struct", 1, capacity, structEvent),
            ]));
        }

        if (options.Scenarios.Contains(RoundRobinOptions.FanOut))
        {
            foreach (var n in options.FanOutCounts)
            {
                var name = $"fan-out N={n}";
                scenarios.Add(new Scenario(name, Math.Max(1, options.Deliveries / n),
                [
                    new RawChannelsRow<ClassEvent>(name, "RawChannels", n, capacity, classEvent),
                    new EventBusSubscriptionsRow<ClassEvent>(name, "EventBus", n, capacity, classEvent),
                    new BroadcastBlockRow(name, "BroadcastBlock", n, classEvent),
                ]));
            }
        }

        if (options.Scenarios.Contains(RoundRobinOptions.WorkQueue))
        {
            foreach (var k in options.WorkerCounts)
            {
                var name = $"work queue K={k}";
                scenarios.Add(new Scenario(name, options.Deliveries,
                [
                    new RawWorkQueueRow(name, "RawChannel", k, capacity, classEvent),
                    new EventBusWorkQueueRow(name, "EventBus", k, capacity, classEvent),
                    new ActionBlockRow<ClassEvent>(name, "ActionBlock", k, capacity, classEvent),
                ]));
            }
        }

        return scenarios;
    }
}
