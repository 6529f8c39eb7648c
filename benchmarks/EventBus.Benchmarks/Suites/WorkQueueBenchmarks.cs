using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 4: one producer handing items to K competing workers, each item handled by exactly one.
/// Each invocation enqueues <see cref="Items"/> items and returns once all of them were handled,
/// so the mean is the time per item with the workers draining. The workers are long-lived (started
/// in setup): K reader loops on one multi-reader bounded channel, an ActionBlock with
/// MaxDegreeOfParallelism = K, and a <see cref="WorkQueue{T}"/> with K workers, all bounded at
/// <see cref="Capacity"/> with the producer waiting for space when full.
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

    private readonly ClassEvent _item = new();
    private readonly Consumer _channelConsumer = new(), _blockConsumer = new(), _queueConsumer = new();

    private Channel<ClassEvent> _channel = null!;
    private Task[] _readers = null!;
    private ActionBlock<ClassEvent> _block = null!;
    private WorkQueue<ClassEvent> _queue = null!;
    private IWorkQueue<ClassEvent> _producer = null!;

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channel = Channel.CreateBounded<ClassEvent>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _readers = new Task[Workers];
        for (var i = 0; i < Workers; i++)
        {
            _readers[i] = Task.Run(() => ReadAsync(_channel.Reader, _channelConsumer));
        }

        _block = new ActionBlock<ClassEvent>(_blockConsumer.Handle, new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = Capacity,
            MaxDegreeOfParallelism = Workers,
        });

        _queue = WorkQueue.Create<ClassEvent>(_queueConsumer.Handle, new WorkQueueOptions<ClassEvent>
        {
            Capacity = Capacity,
            FullMode = BufferFullMode.Wait,
            WorkerCount = Workers,
        });
        _producer = _queue;

        // Every row must really deliver: a small batch each, counted by its workers (Wait throws
        // if they fall short).
        foreach (var (run, consumer) in new (Func<int, Task>, Consumer)[]
        {
            (RunChannel, _channelConsumer), (RunActionBlock, _blockConsumer), (RunWorkQueue, _queueConsumer),
        })
        {
            run(100).GetAwaiter().GetResult();
            Verify.Equal(100, consumer.Done.Count, "work queue deliveries");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Writer.TryComplete();
        Task.WaitAll(_readers);
        _block.Complete();
        _block.Completion.GetAwaiter().GetResult();
        _queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _channelConsumer.Done.Dispose();
        _blockConsumer.Done.Dispose();
        _queueConsumer.Done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items)]
    public Task RawChannel() => RunChannel(Items);

    [Benchmark(OperationsPerInvoke = Items)]
    public Task ActionBlock() => RunActionBlock(Items);

    [Benchmark(OperationsPerInvoke = Items)]
    public Task EventBus() => RunWorkQueue(Items);

    private async Task RunChannel(int items)
    {
        _channelConsumer.Done.Arm(items);
        var writer = _channel.Writer;
        var e = _item;
        for (var i = 0; i < items; i++)
        {
            if (!writer.TryWrite(e))
            {
                await writer.WriteAsync(e);
            }
        }

        _channelConsumer.Done.Wait();
    }

    private async Task RunActionBlock(int items)
    {
        _blockConsumer.Done.Arm(items);
        var block = _block;
        var e = _item;
        for (var i = 0; i < items; i++)
        {
            if (!block.Post(e))
            {
                await block.SendAsync(e);
            }
        }

        _blockConsumer.Done.Wait();
    }

    private async Task RunWorkQueue(int items)
    {
        _queueConsumer.Done.Arm(items);
        var producer = _producer;
        var e = _item;
        for (var i = 0; i < items; i++)
        {
            var enqueue = producer.EnqueueAsync(e);
            if (!enqueue.IsCompletedSuccessfully)
            {
                await enqueue;
            }
        }

        _queueConsumer.Done.Wait();
    }

    /// <summary>One raw reader loop, the same shape as <see cref="ChannelConsumer{T}"/>'s.</summary>
    private static async Task ReadAsync(ChannelReader<ClassEvent> reader, Consumer consumer)
    {
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                consumer.Handle(item);
            }
        }
    }

    /// <summary>One row's workers: the shared handler work, then the completion count (any worker).</summary>
    private sealed class Consumer
    {
        public Sink Sink { get; } = new();

        public Completion Done { get; } = new();

        public void Handle(ClassEvent e)
        {
            Sink.Handle(e);
            Done.OnHandled();
        }
    }
}
