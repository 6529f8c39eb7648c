namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// One row of a cross-thread scenario: a producer on the calling thread and long-lived consumers,
/// created once and reused by every round. <see cref="Run"/> publishes a batch and returns when
/// every consumer has handled every event of it, counts verified.
/// </summary>
public abstract class Row
{
    protected Row(string scenario, string name, bool isBaseline, int consumers, int fanOut = 1)
    {
        Scenario = scenario;
        Name = name;
        IsBaseline = isBaseline;
        FanOut = fanOut;
        Consumers = new ConsumerGroup(name, consumers);
    }

    public string Scenario { get; }

    public string Name { get; }

    /// <summary>The raw primitive every other row of the scenario is divided by.</summary>
    public bool IsBaseline { get; }

    /// <summary>Deliveries per published event: the subscriber count in fan-out, 1 elsewhere.</summary>
    public int FanOut { get; }

    protected ConsumerGroup Consumers { get; }

    /// <summary>
    /// Publishes <paramref name="events"/> events and returns when all were handled, or throws if a count
    /// is off. Returns the <see cref="System.Diagnostics.Stopwatch"/> timestamp at which the last publish returned.
    /// </summary>
    public long Run(int events)
    {
        Consumers.Arm(events);

        // The producer loop awaits only when a buffer is full; the wait for the consumers happens
        // here, on the calling thread, so no thread-pool thread is ever blocked by the harness.
        ProduceAsync(events).GetAwaiter().GetResult();
        var published = System.Diagnostics.Stopwatch.GetTimestamp();
        Consumers.WaitAndVerify();
        return published;
    }

    /// <summary>Stops the consumers, checks that nothing arrived after the last run, and returns the deliveries verified.</summary>
    public long Stop()
    {
        StopConsumers();
        Consumers.CheckQuiet();
        Consumers.Dispose();
        return Consumers.Verified;
    }

    protected abstract Task ProduceAsync(int events);

    protected abstract void StopConsumers();
}
