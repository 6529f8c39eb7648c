using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 2: queued publish from one producer to one consumer on another thread. Each invocation
/// publishes <see cref="Events"/> events and returns once the consumer has handled all of them, so
/// the mean is the time per event with the consumer draining. Two busy threads: the benchmark
/// thread producing, one long-lived consumer loop (started in setup) on the thread pool.
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

    private readonly ClassEvent _class = new();
    private readonly StructEvent _struct = new(42);
    private readonly Pipeline _channelClass = new(), _channelStruct = new(), _blockClass = new(),
        _blockStruct = new(), _busClass = new(), _busStruct = new();

    private ChannelConsumer<ClassEvent> _classChannel = null!;
    private ChannelConsumer<StructEvent> _structChannel = null!;
    private ActionBlock<ClassEvent> _classBlock = null!;
    private ActionBlock<StructEvent> _structBlock = null!;
    private IEventBus _bus = null!;
    private IPublisher<ClassEvent> _classPublisher = null!;
    private IPublisher<StructEvent> _structPublisher = null!;

    [GlobalSetup]
    public void Setup()
    {
        _classChannel = new ChannelConsumer<ClassEvent>(Capacity, _channelClass.Handle);
        _structChannel = new ChannelConsumer<StructEvent>(Capacity, _channelStruct.Handle);

        var blockOptions = new ExecutionDataflowBlockOptions { BoundedCapacity = Capacity, MaxDegreeOfParallelism = 1 };
        _classBlock = new ActionBlock<ClassEvent>(_blockClass.Handle, blockOptions);
        _structBlock = new ActionBlock<StructEvent>(_blockStruct.Handle, blockOptions);

        _bus = EventBusFactory.Create();
        var queued = new SubscriptionOptions { Mode = DeliveryMode.Queued, Capacity = Capacity, FullMode = BufferFullMode.Wait };
        _bus.Subscribe<ClassEvent>(_busClass.Handle, queued);
        _bus.Subscribe<StructEvent>(_busStruct.Handle, queued);
        _classPublisher = _bus.GetPublisher<ClassEvent>();
        _structPublisher = _bus.GetPublisher<StructEvent>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _classChannel.Stop();
        _structChannel.Stop();
        _classBlock.Complete();
        _structBlock.Complete();
        Task.WaitAll(_classBlock.Completion, _structBlock.Completion);
        _bus.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var pipeline in new[] { _channelClass, _channelStruct, _blockClass, _blockStruct, _busClass, _busStruct })
        {
            pipeline.Done.Dispose();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public async Task Channel_Class()
    {
        _channelClass.Done.Arm(Events);
        var writer = _classChannel.Writer;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            if (!writer.TryWrite(e))
            {
                await writer.WriteAsync(e);
            }
        }

        _channelClass.Done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public async Task ActionBlock_Class()
    {
        _blockClass.Done.Arm(Events);
        var block = _classBlock;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            if (!block.Post(e))
            {
                await block.SendAsync(e);
            }
        }

        _blockClass.Done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Class)]
    public async Task EventBus_Class()
    {
        _busClass.Done.Arm(Events);
        var publisher = _classPublisher;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            var publish = publisher.PublishAsync(e);
            if (!publish.IsCompletedSuccessfully)
            {
                await publish;
            }
        }

        _busClass.Done.Wait();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public async Task Channel_Struct()
    {
        _channelStruct.Done.Arm(Events);
        var writer = _structChannel.Writer;
        var e = _struct;
        for (var i = 0; i < Events; i++)
        {
            if (!writer.TryWrite(e))
            {
                await writer.WriteAsync(e);
            }
        }

        _channelStruct.Done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public async Task ActionBlock_Struct()
    {
        _blockStruct.Done.Arm(Events);
        var block = _structBlock;
        var e = _struct;
        for (var i = 0; i < Events; i++)
        {
            if (!block.Post(e))
            {
                await block.SendAsync(e);
            }
        }

        _blockStruct.Done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Events), BenchmarkCategory(Struct)]
    public async Task EventBus_Struct()
    {
        _busStruct.Done.Arm(Events);
        var publisher = _structPublisher;
        var e = _struct;
        for (var i = 0; i < Events; i++)
        {
            var publish = publisher.PublishAsync(e);
            if (!publish.IsCompletedSuccessfully)
            {
                await publish;
            }
        }

        _busStruct.Done.Wait();
    }

    /// <summary>One row's consumer side: the shared handler work, then the completion count.</summary>
    private sealed class Pipeline
    {
        private readonly Sink _sink = new();

        public Completion Done { get; } = new();

        public void Handle(ClassEvent e)
        {
            _sink.Handle(e);
            Done.OnHandledSingleConsumer();
        }

        public void Handle(StructEvent e)
        {
            _sink.Handle(e);
            Done.OnHandledSingleConsumer();
        }
    }
}
