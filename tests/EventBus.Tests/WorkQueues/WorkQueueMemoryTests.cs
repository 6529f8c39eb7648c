using System.Runtime.CompilerServices;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

/// <summary>Runs alone: heap measurements would otherwise include the objects of tests running in parallel.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements
{
}

[Collection(nameof(MemoryMeasurements))]
public sealed class WorkQueueMemoryTests : WorkQueueTestBase
{
    [Fact]
    public async Task Cancelled_enqueue_waits_do_not_leak_and_the_queue_still_works_after()
    {
        const int waits = 100_000;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = new Recorder<int>(3);
        var queue = Track(WorkQueue.Create<Ping>(async (ping, _) =>
        {
            started.TrySetResult();
            await gate.Task;
            processed.Record(ping.Sequence);
        }, Options<Ping>(o => { o.Capacity = 1; o.WorkerCount = 1; })));
        await queue.EnqueueAsync(new Ping(0, 0));
        await Wait.For(started.Task, "the first item in the handler");
        await queue.EnqueueAsync(new Ping(0, 1));

        await CancelWaitsAsync(queue, 1_000, new List<WeakReference>());
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var samples = new List<WeakReference>();
        await CancelWaitsAsync(queue, waits, samples);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        samples.Should().HaveCount(waits / 1_000);
        samples.Should().OnlyContain(s => !s.IsAlive, "the queue keeps no reference to an item whose wait was cancelled");
        (after - before).Should().BeLessThan(8 * 1024 * 1024, "cancelled waits leave nothing behind (100k leaked waiters would hold far more)");
        queue.Count.Should().Be(1);
        queue.InFlight.Should().Be(1);

        gate.SetResult();
        await queue.EnqueueAsync(new Ping(0, 2));
        await processed.WaitAsync("the items after the cancelled waits");
        processed.Items.Should().Equal(0, 1, 2);
        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(3);
        queue.Count.Should().Be(0);
    }

    // Not inlined, so no item stays reachable from a local of the test method.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task CancelWaitsAsync(WorkQueue<Ping> queue, int count, List<WeakReference> samples)
    {
        for (var i = 0; i < count; i++)
        {
            var item = new Ping(1, i);
            if (i % 1_000 == 0)
            {
                samples.Add(new WeakReference(item));
            }

            using var cancellation = new CancellationTokenSource();
            var wait = queue.EnqueueAsync(item, cancellation.Token);
            item = null;
            wait.IsCompleted.Should().BeFalse("the buffer is full");
            cancellation.Cancel();
            try
            {
                await wait;
                throw new InvalidOperationException("A cancelled wait completed.");
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
