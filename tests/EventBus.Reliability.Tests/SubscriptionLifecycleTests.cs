namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 5 and 17: waiting and subscribing leave nothing behind.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class SubscriptionLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario05_100k_cancelled_waits_on_a_full_buffer_leave_memory_flat()
    {
        await using var bus = EventBusFactory.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = bus.Subscribe<Ping>(async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
        }, new SubscriptionOptions { Capacity = 1 });
        await bus.PublishAsync(new Ping(0, 0));
        await Wait.For(started.Task, "the blocking handler");
        await bus.PublishAsync(new Ping(0, 1)); // the buffer is now full

        async Task CancelWaits(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var cts = new CancellationTokenSource();
                var wait = bus.PublishAsync(new Ping(1, i), cts.Token);
                wait.IsCompleted.Should().BeFalse();
                await cts.CancelAsync();
                try
                {
                    await wait;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        await CancelWaits(10_000); // warm up
        var before = GC.GetTotalMemory(forceFullCollection: true);
        await CancelWaits(100_000);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var growth = after - before;
        growth.Should().BeLessThan(1_000_000, "cancelled waits must not accumulate (100k leaked waits would be several MB)");
        subscription.PendingCount.Should().Be(1, "no cancelled wait slipped into the buffer");
        release.SetResult();
        var result = await bus.CompleteAsync();
        result.Delivered.Should().Be(2);
        output.WriteLine($"scenario 5: 100,000 cancelled waits on a full buffer; managed heap grew {growth:N0} bytes; buffer still holds 1; 2 delivered after release");
    }

    [Fact]
    public async Task Scenario17_100k_subscribe_dispose_cycles_leave_no_subscription_and_let_handlers_be_collected()
    {
        await using var bus = EventBusFactory.Create();
        var marker = bus.Subscribe<Ping>(_ => { });
        var publisher = bus.GetPublisher<Ping>();
        var weak = CycleSubscriptions(bus, 100_000);

        bus.Subscriptions.Should().ContainSingle().Which.Should().BeSameAs(marker);
        publisher.Publish(new Ping(0, 1));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        weak.Count(w => w.IsAlive).Should().Be(0, "disposed subscriptions hold no reference to their handlers");
        output.WriteLine($"scenario 17: 100,000 subscribe/dispose cycles (queued and inline, sync and async); 1 subscription left (the marker); {weak.Count} sampled handlers all collected");
    }

    private static List<WeakReference> CycleSubscriptions(IEventBus bus, int cycles)
    {
        var weak = new List<WeakReference>();
        for (var i = 0; i < cycles; i++)
        {
            var target = new HandlerTarget();
            var options = new SubscriptionOptions { Mode = i % 2 == 0 ? DeliveryMode.Inline : DeliveryMode.Queued };
            var subscription = i % 3 == 0
                ? bus.Subscribe<Ping>(target.Handle, options)
                : bus.Subscribe<Ping>(target.HandleAsync, options);
            // Waits for room: on a loaded machine the marker's loop can fall a buffer behind this loop, and a
            // synchronous publish would then be refused, which is not what this scenario is about.
            bus.PublishAsync(new Ping(2, i)).AsTask().GetAwaiter().GetResult();
            if (i % 1000 == 0)
            {
                weak.Add(new WeakReference(target));
            }

            if (i % 2 == 0)
            {
                subscription.Dispose();
            }
            else
            {
                subscription.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        return weak;
    }

    private sealed class HandlerTarget
    {
        private long _seen;

        public long Seen => _seen;

        public void Handle(Ping ping) => _seen += ping.Sequence;

        public ValueTask HandleAsync(Ping ping, CancellationToken _)
        {
            _seen += ping.Sequence;
            return default;
        }
    }
}
