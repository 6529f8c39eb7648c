using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>What an inline subscription promises beyond running on the publisher's thread: one call at a
/// time, and a failed event's retries before the next event.</summary>
public sealed class InlineLaneTests
{
    [Fact]
    public async Task Every_call_is_counted_once_when_a_second_publisher_takes_the_lane_from_its_first()
    {
        // The moment a lane's bias is revoked, the first publisher's count and the second's may land at
        // once; each lane has that moment once, so the test makes many lanes go through it.
        await using var bus = EventBusFactory.Create();
        const int lanes = 300;
        const int perPublisher = 200;
        for (var lane = 0; lane < lanes; lane++)
        {
            var calls = 0;
            var subscription = bus.Subscribe<Ping>(_ => Interlocked.Increment(ref calls), new SubscriptionOptions { Mode = DeliveryMode.Inline });
            var start = new Barrier(2);
            var first = Task.Run(() =>
            {
                bus.Publish(new Ping(0, 0));
                start.SignalAndWait();
                for (var i = 1; i < perPublisher; i++)
                {
                    bus.Publish(new Ping(0, i));
                }
            });
            var second = Task.Run(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perPublisher; i++)
                {
                    bus.Publish(new Ping(1, i));
                }
            });
            await Wait.For(Task.WhenAll(first, second), "both publishers");

            await Wait.For(subscription.DisposeAsync().AsTask(), $"lane {lane}'s drain");
            Volatile.Read(ref calls).Should().Be(2 * perPublisher, $"lane {lane} handled every event");
            subscription.GetStatistics().ShouldBalance(2 * perPublisher, $"lane {lane}");
            subscription.GetStatistics().Delivered.Should().Be(2 * perPublisher, $"lane {lane} counted every call once");
        }
    }

    [Fact]
    public async Task Calls_of_one_inline_handler_never_overlap_under_concurrent_publishers()
    {
        await using var bus = EventBusFactory.Create();
        var inside = 0;
        var overlaps = 0;
        var calls = 0;
        bus.Subscribe<Ping>(_ =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Thread.SpinWait(50);
            Interlocked.Increment(ref calls);
            Interlocked.Decrement(ref inside);
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline });

        const int publishers = 4;
        const int perPublisher = 5_000;
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                if (i % 2 == 0)
                {
                    await bus.PublishAsync(new Ping(p, i));
                }
                else
                {
                    bus.Publish(new Ping(p, i));
                }
            }
        })));

        var result = await Wait.For(bus.CompleteAsync(), "the drain");
        Volatile.Read(ref overlaps).Should().Be(0, "MaxConcurrency 1: two calls of an inline handler never run at once");
        Volatile.Read(ref calls).Should().Be(publishers * perPublisher);
        result.ShouldBalance(publishers * perPublisher);
    }

    [Fact]
    public async Task A_direct_call_that_ends_never_frees_the_slot_its_next_holder_took()
    {
        // A direct inline call once reset its slot to free after End had given the slot back. The tracking hook
        // runs on the finishing call's thread between the two: there, a second publisher takes the slot (its
        // call waits on a gate) and a third event queues behind it. The reset then freed the slot under the
        // second call, and a lane loop ran the third event beside it.
        await using var bus = EventBusFactory.Create();
        var firstGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var inside = 0;
        var overlaps = 0;
        var subscription = bus.Subscribe<Ping>(async (ping, _) =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            if (ping.Sequence == 0)
            {
                await firstGate.Task;
            }
            else if (ping.Sequence == 1)
            {
                secondStarted.TrySetResult();
                await secondGate.Task;
            }

            handled.Enqueue(ping.Sequence);
            Interlocked.Decrement(ref inside);
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline });

        var environment = ((EventBus.PubSub.InProcessEventBus)bus).Environment;
        environment.Tracking = new HookSink(onHandled: sequence =>
        {
            if (sequence == 0)
            {
                // Off this handler's async context, so these publishes come from outside, as other publishers' do.
                OnAnotherThread(() => bus.Publish(new Ping(1, 1)));
                secondStarted.Task.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the second publisher took the slot");
                OnAnotherThread(() => bus.Publish(new Ping(2, 2)));
            }
        });

        var first = bus.PublishAsync(new Ping(0, 0)).AsTask();
        firstGate.SetResult();

        // Completes once the first call has ended and let its slot go: any lane loop it started has begun.
        await Wait.For(first, "the first publish");
        secondGate.SetResult();
        await Wait.Until(() => handled.Count == 3, "the three events");

        Volatile.Read(ref overlaps).Should().Be(0, "the third event waited for the second call, which held the slot");
        handled.Should().Equal([0, 1, 2]);
        await Wait.For(subscription.DisposeAsync().AsTask(), "the drain");
        subscription.GetStatistics().ShouldBalance(3);
    }

    /// <summary>Runs <paramref name="action"/> on a thread-pool thread without the caller's execution context, and waits.</summary>
    private static void OnAnotherThread(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }, null);
        done.Task.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the other publisher returned");
    }

    /// <summary>A tracking sink that calls back when a consumer handled a <see cref="Ping"/>, on the thread that handled it.</summary>
    private sealed class HookSink(Action<int> onHandled) : EventBus.Delivery.ITrackingSink
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Ping> _published = new();

        public void Published(EventContext context, object? message, string? queue)
        {
            if (message is Ping ping)
            {
                _published[context.Id] = ping;
            }
        }

        public void Finished(EventContext context, string? consumer, EventBus.Delivery.TrackedEnd end, int attempts, DropReason? reason, int count = 1)
        {
            if (end == EventBus.Delivery.TrackedEnd.Handled && _published.TryGetValue(context.Id, out var ping))
            {
                onHandled(ping.Sequence);
            }
        }

        public void Settled(PublishSettlement settlement)
        {
        }
    }

    [Fact]
    public async Task Per_publisher_order_holds_when_the_lane_is_contended()
    {
        await using var bus = EventBusFactory.Create();
        var received = new Recorder<Ping>(4 * 2_000);
        bus.Subscribe<Ping>(received.Record, new SubscriptionOptions { Mode = DeliveryMode.Inline });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                await bus.PublishAsync(new Ping(p, i));
            }
        })));

        await received.WaitAsync("every event");
        for (var p = 0; p < 4; p++)
        {
            var publisher = p;
            received.Items.Where(e => e.Publisher == publisher).Select(e => e.Sequence)
                .Should().Equal(Enumerable.Range(0, 2_000), "events that found the lane taken wait in order behind it");
        }
    }

    [Fact]
    public async Task A_failed_events_retries_finish_before_the_next_event_is_handled()
    {
        await using var bus = EventBusFactory.Create();
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var failedOnce = 0;
        var done = new Countdown(3);
        bus.Subscribe<Ping>(ping =>
        {
            log.Enqueue($"{ping.Sequence}");
            if (ping.Sequence == 1 && Interlocked.Exchange(ref failedOnce, 1) == 0)
            {
                throw new InvalidOperationException("first attempt of event 1 fails");
            }

            done.Signal();
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline, RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.Zero, Jitter = 0 } });

        bus.Publish(new Ping(0, 1));
        bus.Publish(new Ping(0, 2));
        bus.Publish(new Ping(0, 3));
        await done.WaitAsync("the three events");

        log.Should().Equal(["1", "1", "2", "3"], "the retry of event 1 comes before event 2, which waited behind it");
    }

    [Fact]
    public async Task A_synchronous_publish_never_waits_for_the_retry_it_queued_behind()
    {
        // Disposed, not drained, at the end: the drain would wait for the retry an hour away on a clock that never moves.
        using var bus = EventBusFactory.Create(new EventBusOptions { TimeProvider = new TestTimeProvider() });
        var failures = new Countdown(1);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Ping>(ping =>
        {
            if (ping.Sequence == 1)
            {
                failures.Signal();
                throw new InvalidOperationException("always fails");
            }

            second.TrySetResult();
        }, new SubscriptionOptions
        {
            Mode = DeliveryMode.Inline,
            RetryPolicy = new RetryPolicy { MaxRetries = 1, BaseDelay = TimeSpan.FromHours(1), Jitter = 0 },
        });

        bus.Publish(new Ping(0, 1));
        await failures.WaitAsync("the first failure");
        await Wait.For(Task.Run(() => bus.Publish(new Ping(0, 2))), "Publish to return while event 1 waits an hour for its retry");

        second.Task.IsCompleted.Should().BeFalse("event 2 waits behind event 1's retry");
        bus.Subscriptions.Single().PendingCount.Should().Be(1);
    }

    [Fact]
    public async Task The_bus_drain_waits_for_an_inline_handler_that_is_running()
    {
        var bus = EventBusFactory.Create();
        var entered = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var handled = 0;
        bus.Subscribe<Ping>(_ =>
        {
            entered.Set();
            release.Wait(Wait.Timeout);
            Interlocked.Increment(ref handled);
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline });

        var publisher = Task.Run(() => bus.Publish(new Ping(0, 1)));
        entered.Wait(Wait.Timeout).Should().BeTrue();
        var drain = bus.CompleteAsync();
        drain.IsCompleted.Should().BeFalse("an inline call is under way on the publisher's thread");

        release.Set();
        var result = await Wait.For(drain, "the drain");
        await Wait.For(publisher, "the publisher");
        result.Delivered.Should().Be(1);
        Volatile.Read(ref handled).Should().Be(1);
        await bus.DisposeAsync();
    }
}
