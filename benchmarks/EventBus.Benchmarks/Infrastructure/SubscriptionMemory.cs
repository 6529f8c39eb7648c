using System.Text.Json;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// Suite 5, second half: memory held by an idle subscription. Retained memory is not what
/// BenchmarkDotNet's MemoryDiagnoser reports (it counts allocations per operation), so this is a
/// direct measurement: the live heap after a full collection, before and after creating
/// <see cref="Count"/> subscriptions on a bus whose route for the event type already exists, divided
/// by the count. Queued subscriptions include their channel and their parked consumer loop.
/// </summary>
public static class SubscriptionMemory
{
    public const int Count = 10_000;

    public static SubscriptionMemoryResult Measure()
    {
        var queued = MeasureOne(new SubscriptionOptions { Mode = DeliveryMode.Queued });
        var inline = MeasureOne(new SubscriptionOptions { Mode = DeliveryMode.Inline });
        var channel = MeasureRawChannel();
        return new SubscriptionMemoryResult(Count, queued.Retained, queued.Allocated, inline.Retained, inline.Allocated,
            channel.Retained, channel.Allocated);
    }

    public static void Write(SubscriptionMemoryResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, JsonSerializer.Serialize(result, s_json));
        Console.WriteLine($"Idle subscription memory ({result.Subscriptions:N0} each): queued {result.QueuedRetainedBytes:N0} B retained " +
            $"({result.QueuedAllocatedBytes:N0} B allocated), inline {result.InlineRetainedBytes:N0} B retained " +
            $"({result.InlineAllocatedBytes:N0} B allocated) per subscription; the raw primitive, a bounded channel " +
            $"with a parked drain loop, {result.RawChannelRetainedBytes:N0} B retained -> {path}");
    }

    public static SubscriptionMemoryResult? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<SubscriptionMemoryResult>(File.ReadAllText(path), s_json) : null;
    }

    public const string FileName = "subscription-memory.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private static (long Retained, long Allocated) MeasureOne(SubscriptionOptions options)
    {
        var sink = new Sink();
        Action<ClassEvent> handler = sink.Handle;
        var bus = EventBusFactory.Create();
        var publisher = bus.GetPublisher<ClassEvent>();

        // Warm up: JIT, statics, thread-pool threads and the route, so they are not charged to the subscriptions.
        for (var i = 0; i < 100; i++)
        {
            bus.Subscribe(handler, options).Dispose();
        }

        publisher.Publish(new ClassEvent());
        var subscriptions = new IEventSubscription[Count];
        WaitForIdlePool();

        var retainedBefore = LiveHeap();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Count; i++)
        {
            subscriptions[i] = bus.Subscribe(handler, options);
        }

        WaitForIdlePool();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var retained = LiveHeap() - retainedBefore;
        GC.KeepAlive(subscriptions);
        bus.Dispose();
        return (retained / Count, allocated / Count);
    }

    /// <summary>The raw primitive for scale: a bounded channel of the default capacity with its drain loop parked.</summary>
    private static (long Retained, long Allocated) MeasureRawChannel()
    {
        var sink = new Sink();
        Action<ClassEvent> handler = sink.Handle;
        for (var i = 0; i < 100; i++)
        {
            new ChannelConsumer<ClassEvent>(SubscriptionOptions.DefaultCapacity, handler).Stop();
        }

        var consumers = new ChannelConsumer<ClassEvent>[Count];
        WaitForIdlePool();
        var retainedBefore = LiveHeap();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Count; i++)
        {
            consumers[i] = new ChannelConsumer<ClassEvent>(SubscriptionOptions.DefaultCapacity, handler);
        }

        WaitForIdlePool();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var retained = LiveHeap() - retainedBefore;
        GC.KeepAlive(consumers);
        foreach (var consumer in consumers)
        {
            consumer.Stop();
        }

        return (retained / Count, allocated / Count);
    }

    /// <summary>The live heap after full blocking, compacting collections (finalizers run between them).</summary>
    internal static long LiveHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Queued subscriptions start their consumer loops on the thread pool; wait until every one is parked.</summary>
    private static void WaitForIdlePool()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long completed;
        do
        {
            completed = ThreadPool.CompletedWorkItemCount;
            Thread.Sleep(100);
        }
        while ((ThreadPool.PendingWorkItemCount > 0 || ThreadPool.CompletedWorkItemCount != completed) && DateTime.UtcNow < deadline);
    }
}

/// <summary>Bytes per subscription: retained on the live heap, and allocated while subscribing.</summary>
public sealed record SubscriptionMemoryResult(
    int Subscriptions,
    long QueuedRetainedBytes,
    long QueuedAllocatedBytes,
    long InlineRetainedBytes,
    long InlineAllocatedBytes,
    long RawChannelRetainedBytes,
    long RawChannelAllocatedBytes);
