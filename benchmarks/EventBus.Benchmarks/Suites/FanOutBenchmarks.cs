using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 3: one producer fanning each event out to N queued consumers. Each invocation publishes
/// <see cref="Events"/> events and returns once every consumer has handled every one, so the
/// mean is the wall time per publish with N consumers draining. The consumers are long-lived
/// thread-pool loops that park when empty; on two cores they share the CPU with the producer
/// (see RESULTS.md for what that does to N = 16).
/// </summary>
/// <remarks>
/// BroadcastBlock keeps only its latest message: a bounded target that is full when a message is
/// offered misses it, silently. To count every delivery its targets are unbounded ActionBlocks,
/// so that row has no backpressure (and no drops) while the others are bounded at
/// <see cref="Capacity"/> under Wait.
/// </remarks>
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

    private readonly ClassEvent _class = new();
    private Consumer[] _channelConsumers = null!, _blockConsumers = null!, _busConsumers = null!;
    private ChannelConsumer<ClassEvent>[] _channels = null!;
    private ChannelWriter<ClassEvent>[] _writers = null!;
    private BroadcastBlock<ClassEvent> _broadcast = null!;
    private ActionBlock<ClassEvent>[] _blocks = null!;
    private IEventBus _bus = null!;
    private IPublisher<ClassEvent> _publisher = null!;

    [Params(1, 4, 16)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channelConsumers = Consumer.Create(Subscribers);
        _blockConsumers = Consumer.Create(Subscribers);
        _busConsumers = Consumer.Create(Subscribers);

        _channels = new ChannelConsumer<ClassEvent>[Subscribers];
        _writers = new ChannelWriter<ClassEvent>[Subscribers];
        _blocks = new ActionBlock<ClassEvent>[Subscribers];
        _broadcast = new BroadcastBlock<ClassEvent>(cloningFunction: null);
        _bus = EventBusFactory.Create();
        var queued = new SubscriptionOptions { Mode = DeliveryMode.Queued, Capacity = Capacity, FullMode = BufferFullMode.Wait };
        for (var i = 0; i < Subscribers; i++)
        {
            _channels[i] = new ChannelConsumer<ClassEvent>(Capacity, _channelConsumers[i].Handle);
            _writers[i] = _channels[i].Writer;
            _blocks[i] = new ActionBlock<ClassEvent>(_blockConsumers[i].Handle);
            _broadcast.LinkTo(_blocks[i]);
            _bus.Subscribe<ClassEvent>(_busConsumers[i].Handle, queued);
        }

        _publisher = _bus.GetPublisher<ClassEvent>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var channel in _channels)
        {
            channel.Stop();
        }

        _broadcast.Complete();
        foreach (var block in _blocks)
        {
            block.Complete();
        }

        _bus.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public async Task RawChannels()
    {
        Consumer.Arm(_channelConsumers, Events);
        var writers = _writers;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            foreach (var writer in writers)
            {
                if (!writer.TryWrite(e))
                {
                    await writer.WriteAsync(e);
                }
            }
        }

        Consumer.Wait(_channelConsumers);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public void BroadcastBlock()
    {
        Consumer.Arm(_blockConsumers, Events);
        var broadcast = _broadcast;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            broadcast.Post(e);
        }

        Consumer.Wait(_blockConsumers);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public async Task EventBus()
    {
        Consumer.Arm(_busConsumers, Events);
        var publisher = _publisher;
        var e = _class;
        for (var i = 0; i < Events; i++)
        {
            var publish = publisher.PublishAsync(e);
            if (!publish.IsCompletedSuccessfully)
            {
                await publish;
            }
        }

        Consumer.Wait(_busConsumers);
    }

    /// <summary>One subscriber: the shared handler work and its own completion counter (no shared cache line).</summary>
    private sealed class Consumer
    {
        private readonly Sink _sink = new();
        private readonly Completion _done = new();

        public static Consumer[] Create(int count)
        {
            var consumers = new Consumer[count];
            for (var i = 0; i < count; i++)
            {
                consumers[i] = new Consumer();
            }

            return consumers;
        }

        public static void Arm(Consumer[] consumers, long events)
        {
            foreach (var consumer in consumers)
            {
                consumer._done.Arm(events);
            }
        }

        public static void Wait(Consumer[] consumers)
        {
            foreach (var consumer in consumers)
            {
                consumer._done.Wait();
            }
        }

        public void Handle(ClassEvent e)
        {
            _sink.Handle(e);
            _done.OnHandledSingleConsumer();
        }
    }
}
