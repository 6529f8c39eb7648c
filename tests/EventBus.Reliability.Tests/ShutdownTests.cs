using System.Collections.Concurrent;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 6, 7 and 8: drains deliver what was accepted, deadlines bound them, stops are prompt.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario06_a_drain_racing_with_publishers_delivers_every_accepted_event_and_later_publishes_fail_loudly()
    {
        for (var round = 0; round < 20; round++)
        {
            await using var bus = EventBusFactory.Create();
            var received = new ConcurrentQueue<Ping>();
            bus.Subscribe<Ping>(async (ping, _) =>
            {
                await Task.Yield();
                received.Enqueue(ping);
            }, new SubscriptionOptions { Capacity = 32 });
            bus.Subscribe<Ping>(received.Enqueue, new SubscriptionOptions { Mode = DeliveryMode.Inline });
            var accepted = new ConcurrentQueue<Ping>();
            var refused = 0;
            using var started = new CountdownEvent(4);
            var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
            {
                started.Signal();
                for (var i = 0; ; i++)
                {
                    try
                    {
                        await bus.PublishAsync(new Ping(p, i));
                        accepted.Enqueue(new Ping(p, i));
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref refused);
                        return;
                    }
                }
            })).ToArray();

            started.Wait();
            var result = await Wait.For(bus.CompleteAsync(), "the drain");
            await Wait.For(Task.WhenAll(publishers), "the publishers to hear the bus closed");

            result.Completed.Should().BeTrue();
            var queued = received.GroupBy(p => p).Where(g => g.Count() == 2).Select(g => g.Key);
            queued.OrderBy(p => (p.Publisher, p.Sequence)).Should().Equal(accepted.OrderBy(p => (p.Publisher, p.Sequence)),
                "every accepted event reached both subscriptions before the drain finished");
            Volatile.Read(ref refused).Should().Be(4, "every publisher eventually hears the bus is closed");
            if (round == 0)
            {
                output.WriteLine($"scenario 6 (round 0 of 20): {accepted.Count} accepted before the drain, all delivered to both subscriptions; 4 publishers refused afterwards");
            }
        }
    }

    [Fact]
    public async Task Scenario07_a_drain_deadline_with_a_hung_handler_returns_and_reports_what_was_left()
    {
        var drops = new ConcurrentQueue<DroppedEvent>();
        var bus = EventBusFactory.Create(new EventBusOptions { OnDropped = drops.Enqueue });
        var hang = new TaskCompletionSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Ping>(async (_, _) =>
        {
            started.TrySetResult();
            await hang.Task;
        }, new SubscriptionOptions { Name = "hung", Capacity = 100 });
        for (var i = 0; i < 50; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await Wait.For(started.Task, "the hung handler");
        using var deadline = new CancellationTokenSource();
        var drain = bus.CompleteAsync(deadline.Token);
        await deadline.CancelAsync();
        var result = await Wait.For(drain, "the drain to return at its deadline");

        result.Completed.Should().BeFalse();
        result.Abandoned.Should().Be(50);
        drops.Select(d => ((Ping)d.Event!).Sequence).Should().BeEquivalentTo(
            Enumerable.Range(0, 50), "each is reported once the halt decides it: the hung one (claimed from its handler) and the 49 buffered");
        output.WriteLine($"scenario 7: 1 hung + 49 buffered at the deadline; result: {result}");
        hang.SetResult();
        bus.Dispose();
    }

    [Fact]
    public async Task Scenario08_stopping_cancels_pending_retry_backoffs_promptly()
    {
        var time = new TestTimeProvider();
        var drops = new ConcurrentQueue<DroppedEvent>();
        var reported = new Countdown(10);
        var bus = EventBusFactory.Create(new EventBusOptions
        {
            TimeProvider = time,
            OnDropped = d => { drops.Enqueue(d); reported.Signal(); },
        });
        var failures = new Countdown(10);
        var retryForever = new RetryPolicy { MaxRetries = 100, BaseDelay = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(5), Jitter = 0 };
        for (var s = 0; s < 5; s++)
        {
            bus.Subscribe<Ping>(_ =>
            {
                failures.Signal();
                throw new InvalidOperationException("always fails");
            }, new SubscriptionOptions { RetryPolicy = retryForever, Mode = s % 2 == 0 ? DeliveryMode.Queued : DeliveryMode.Inline, MaxConcurrency = 2 });
        }

        await bus.PublishAsync(new Ping(0, 1));
        await bus.PublishAsync(new Ping(0, 2));
        await failures.WaitAsync("every subscription's first failure");
        await time.WaitForTimerAsync(TimeSpan.FromMinutes(5), count: 10);

        // The clock never moves: only cancellation can end these five-minute waits.
        using var deadline = new CancellationTokenSource();
        var drain = bus.CompleteAsync(deadline.Token);
        drain.IsCompleted.Should().BeFalse("accepted events are waiting for their retries");
        await deadline.CancelAsync();
        var result = await Wait.For(drain, "the drain to cancel the backoffs");

        result.Abandoned.Should().Be(10);
        result.DeadLettered.Should().Be(0);
        await reported.WaitAsync("each abandoned retry to be reported");
        drops.Should().OnlyContain(d => d.Reason == DropReason.Abandoned);
        output.WriteLine($"scenario 8: 10 deliveries waiting on 5-minute backoffs (fake clock) cancelled at the deadline: {result}");
        bus.Dispose();
    }
}
