using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.CrossThread;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 4: one producer handing items to K competing workers, each item handled by exactly one.
/// Each invocation enqueues <see cref="Items"/> items and returns once all of them were handled,
/// so the mean is the time per item with the workers draining. The workers are long-lived (started
/// in setup): K reader loops on one multi-reader bounded channel, an ActionBlock with
/// MaxDegreeOfParallelism = K, and a <see cref="WorkQueue{T}"/> with K workers, all bounded at
/// <see cref="Capacity"/> with the producer waiting for space when full. The rows are the
/// round-robin harness's (<see cref="Row"/>).
/// </summary>
/// <remarks>
/// With K = 2 on two cores the producer and both workers share the CPU, as in suite 3. Every row's
/// handler counts into one shared completion counter with an interlocked increment (K workers may
/// finish items at the same time), so that cost is the same in every row.
/// </remarks>
[MemoryDiagnoser]
[ThreadingDiagnoser]

// Fixed invocations and an iteration cap, for the reasons given on QueuedPublishBenchmarks.
[InvocationCount(16)]
[MaxIterationCount(50)]
public class WorkQueueBenchmarks
{
    public const int Items = 10_000;
    public const int Capacity = SubscriptionOptions.DefaultCapacity;

    private Row _channel = null!, _block = null!, _queue = null!;

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var item = new ClassEvent();
        var scenario = $"work queue K={Workers}";
        _channel = new RawWorkQueueRow(scenario, nameof(RawChannel), Workers, Capacity, item);
        _block = new ActionBlockRow<ClassEvent>(scenario, nameof(ActionBlock), Workers, Capacity, item);
        _queue = new EventBusWorkQueueRow(scenario, nameof(EventBus), Workers, Capacity, item);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Stop();
        _block.Stop();
        _queue.Stop();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items)]
    public long RawChannel() => _channel.Run(Items);

    [Benchmark(OperationsPerInvoke = Items)]
    public long ActionBlock() => _block.Run(Items);

    [Benchmark(OperationsPerInvoke = Items)]
    public long EventBus() => _queue.Run(Items);
}
