using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EventBus.Benchmarks.CrossThread;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 2: queued publish from one producer to one consumer on another thread. Each invocation
/// publishes <see cref="Events"/> events and returns once the consumer has handled all of them, so
/// the mean is the time per event with the consumer draining. Two busy threads: the benchmark
/// thread producing, one long-lived consumer loop (started in setup) on the thread pool. The rows
/// are the round-robin harness's (<see cref="Row"/>), so both measure the same code; judge this
/// suite's time by the round-robin's paired ratios (see benchmarks/README.md), and its allocation here.
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
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class QueuedPublishBenchmarks
{
    public const int Events = 10_000;
    public const int Capacity = SubscriptionOptions.DefaultCapacity;
    public const string Class = "Queued-Class";
    public const string Struct = "Queued-Struct";

    private Row _channelClass = null!, _channelStruct = null!, _blockClass = null!, _blockStruct = null!, _busClass = null!, _busStruct = null!;

    [GlobalSetup]
    public void Setup()
    {
        var e = new ClassEvent();
        var s = new StructEvent(42);
        _channelClass = new RawChannelsRow<ClassEvent>(Class, nameof(Channel_Class), 1, Capacity, e);
        _channelStruct = new RawChannelsRow<StructEvent>(Struct, nameof(Channel_Struct), 1, Capacity, s);
        _blockClass = new ActionBlockRow<ClassEvent>(Class, nameof(ActionBlock_Class), 1, Capacity, e);
        _blockStruct = new ActionBlockRow<StructEvent>(Struct, nameof(ActionBlock_Struct), 1, Capacity, s);
        _busClass = new EventBusSubscriptionsRow<ClassEvent>(Class, nameof(EventBus_Class), 1, Capacity, e);
        _busStruct = new EventBusSubscriptionsRow<StructEvent>(Struct, nameof(EventBus_Struct), 1, Capacity, s);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var row in new[] { _channelClass, _channelStruct, _blockClass, _blockStruct, _busClass, _busStruct })
        {
            row.Stop();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public long Channel_Class() => _channelClass.Run(Events);

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public long ActionBlock_Class() => _blockClass.Run(Events);

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public long EventBus_Class() => _busClass.Run(Events);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public long Channel_Struct() => _channelStruct.Run(Events);

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public long ActionBlock_Struct() => _blockStruct.Run(Events);

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public long EventBus_Struct() => _busStruct.Run(Events);
}
