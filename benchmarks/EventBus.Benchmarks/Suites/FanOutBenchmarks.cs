using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.CrossThread;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 3: one producer fanning each event out to N queued consumers. Each invocation publishes
/// <see cref="Events"/> events and returns once every consumer has handled every one, so the
/// mean is the wall time per publish with N consumers draining. The consumers are long-lived
/// thread-pool loops that park when empty; on two cores they share the CPU with the producer
/// (see RESULTS.md for what that does to N = 16). The rows are the round-robin harness's
/// (<see cref="Row"/>); BroadcastBlock's unbounded targets are explained on <see cref="BroadcastBlockRow"/>.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]

// The default job sizes iterations by a pilot; with a producer and a consumer on two cores the
// time per event is bimodal (the consumer either keeps up and parks after every few events, or
// falls behind and drains in bulk), so the pilot overshoots and a single case ran 100 iterations
// of up to 2.4 s. A fixed 16 invocations (160,000 events) per iteration and at most 50 iterations
// keep the whole run near half an hour; everything else is the default job.
[InvocationCount(16)]
[MaxIterationCount(50)]
public class FanOutBenchmarks
{
    public const int Events = 10_000;
    public const int Capacity = SubscriptionOptions.DefaultCapacity;

    private Row _channels = null!, _broadcast = null!, _bus = null!;

    [Params(1, 4, 16)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var e = new ClassEvent();
        var scenario = $"fan-out N={Subscribers}";
        _channels = new RawChannelsRow<ClassEvent>(scenario, nameof(RawChannels), Subscribers, Capacity, e);
        _broadcast = new BroadcastBlockRow(scenario, nameof(BroadcastBlock), Subscribers, e);
        _bus = new EventBusSubscriptionsRow<ClassEvent>(scenario, nameof(EventBus), Subscribers, Capacity, e);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channels.Stop();
        _broadcast.Stop();
        _bus.Stop();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public long RawChannels() => _channels.Run(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public long BroadcastBlock() => _broadcast.Run(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public long EventBus() => _bus.Run(Events);
}
