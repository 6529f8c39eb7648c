using System.Collections.Concurrent;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 10, 11 and 16: re-entrant publishes, callbacks that call back in, and
/// subscription changes from inside handlers.</summary>
public sealed class ReentrancyAndCallbackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1024)]
    [InlineData(0)]
    public async Task Scenario10_reentrant_publishes_into_a_full_capacity_1_buffer_complete_or_fail_fast(int overflow)
    {
        await using var bus = EventBusFactory.Create();
        var handled = 0;
        var failedFast = 0;
        var finished = new Countdown(100);
        bus.Subscribe<Ping>(async (ping, ct) =>
        {
            Interlocked.Increment(ref handled);
            if (ping.Publisher == 0)
            {
                try
                {
                    // Publish to ourselves, twice, while our own one-slot buffer is full.
                    await bus.PublishAsync(new Ping(1, ping.Sequence), ct);
                    await bus.PublishAsync(new Ping(1, ping.Sequence), ct);
                }
                catch (EventBusFullException)
                {
                    Interlocked.Increment(ref failedFast);
                }

                finished.Signal();
            }
        }, new SubscriptionOptions { Capacity = 1, OverflowCapacity = overflow });

        for (var i = 0; i < 100; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await finished.WaitAsync("every re-entrant handler to finish (a hang fails here)");
        var result = await Wait.For(bus.CompleteAsync(), "the drain");
        if (overflow > 0)
        {
            Volatile.Read(ref failedFast).Should().Be(0);
            Volatile.Read(ref handled).Should().Be(300);
        }
        else
        {
            Volatile.Read(ref failedFast).Should().BeGreaterThan(0);
        }

        output.WriteLine($"scenario 10 (overflow {overflow}): 100 handlers each published twice into their own full buffer; " +
            $"{handled} handled, {failedFast} failed fast, drain: {result}");
    }

    [Fact]
    public async Task Scenario11_callbacks_that_call_back_into_the_bus_from_another_thread_do_not_deadlock()
    {
        IEventBus? bus = null;
        var callbacks = 0;
        var stuck = 0;

        // Each callback blocks until another thread has used the bus: if any callback ran under a
        // lock of the bus, that other thread would wait for it forever. (The other thread's own
        // use of the bus raises no further callbacks: an inline subscription has nothing to drop.)
        void CallBackIn(string what)
        {
            Interlocked.Increment(ref callbacks);
            var other = Task.Run(() =>
            {
                using var temp = bus!.Subscribe<Tick>(_ => { }, new SubscriptionOptions { Mode = DeliveryMode.Inline });
                _ = bus.Subscriptions.Count;
                bus.Publish(new Tick(1));
            });
            if (!other.Wait(Wait.Timeout))
            {
                Interlocked.Increment(ref stuck);
            }
        }

        var deadLetters = new DeadLetterQueue();
        deadLetters.Added += _ => CallBackIn("dead-letter");
        bus = EventBusFactory.Create(new EventBusOptions
        {
            DeadLetterSink = deadLetters,
            OnDropped = _ => CallBackIn("drop"),
            OnError = _ => CallBackIn("error"),
        });
        var done = new Countdown(1);
        deadLetters.Added += _ => done.Signal();
        bus.Subscribe<Ping>(_ => throw new InvalidOperationException(), new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        bus.Subscribe<Ping>(_ => Thread.Sleep(1), new SubscriptionOptions { Capacity = 1, FullMode = BufferFullMode.DropWrite });

        for (var i = 0; i < 20; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await done.WaitAsync("the dead letter");
        await Wait.For(bus.DisposeAsync(), "disposal");
        Volatile.Read(ref callbacks).Should().BeGreaterThan(2);
        Volatile.Read(ref stuck).Should().Be(0, "no call into the bus from another thread waited on a callback");
        output.WriteLine($"scenario 11: {callbacks} callbacks (drop, error, dead-letter) each waited on another thread using the bus; no deadlock");
    }

    [Fact]
    public async Task Scenario16_subscribing_and_disposing_from_inside_handlers_during_publishes()
    {
        var failures = new ConcurrentQueue<DeliveryError>();
        await using var bus = EventBusFactory.Create(new EventBusOptions { OnError = failures.Enqueue });
        var deliveries = new ConcurrentDictionary<(int Subscription, int Event), int>();
        var disposedAt = new ConcurrentDictionary<int, bool>();
        var lateDeliveries = 0;
        var nextId = 0;
        var subscriptions = new ConcurrentDictionary<int, IEventSubscription>();

        void AddSubscription(DeliveryMode mode)
        {
            var id = Interlocked.Increment(ref nextId);
            IEventSubscription? self = null;
            self = bus.Subscribe<Ping>(ping =>
            {
                if (disposedAt.ContainsKey(id))
                {
                    Interlocked.Increment(ref lateDeliveries);
                }

                deliveries.AddOrUpdate((id, ping.Sequence), 1, (_, n) => n + 1);
                if (ping.Sequence % 7 == id % 7 && subscriptions.TryRemove(id, out var me))
                {
                    me.Dispose();
                    disposedAt[id] = true;
                }
                else if (ping.Sequence % 5 == 0 && Volatile.Read(ref nextId) < 200)
                {
                    try
                    {
                        AddSubscription(ping.Sequence % 2 == 0 ? DeliveryMode.Inline : DeliveryMode.Queued);
                    }
                    catch (ObjectDisposedException)
                    {
                        // The drain has begun: the bus takes no new subscriptions.
                    }
                }
            }, new SubscriptionOptions { Mode = mode, RetryPolicy = RetryPolicy.None });
            subscriptions[id] = self;
        }

        for (var i = 0; i < 6; i++)
        {
            AddSubscription(i % 2 == 0 ? DeliveryMode.Inline : DeliveryMode.Queued);
        }

        for (var i = 0; i < 500; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await bus.CompleteAsync();
        failures.Should().BeEmpty("no handler failed, so nothing was retried");
        deliveries.Values.Should().OnlyContain(n => n == 1, "no event is delivered twice to one subscription");
        Volatile.Read(ref lateDeliveries).Should().Be(0, "nothing is delivered after Dispose returns");
        output.WriteLine($"scenario 16: {nextId} subscriptions created from handlers, {disposedAt.Count} disposed from their own handler, " +
            $"{deliveries.Count} deliveries, 0 duplicates, 0 after dispose");
    }
}
