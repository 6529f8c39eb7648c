using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>How a subscription's own stop calls meet each other and the bus's (issue 14's stop-path defects).</summary>
public sealed class SubscriptionStopTests
{
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();
    private readonly TestTimeProvider _time = new();

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task Dispose_while_its_own_DisposeAsync_drains_halts_at_once(HandlerKind kind)
    {
        await using var bus = CreateBus();
        var handler = new ProbeHandler(kind, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        for (var i = 0; i < 5; i++)
        {
            await bus.PublishAsync(i);
        }

        await Wait.For(handler.HeldStarted, "the held handler");
        var draining = subscription.DisposeAsync();
        draining.IsCompleted.Should().BeFalse("the held handler keeps the drain open");

        await Wait.For(Task.Run(subscription.Dispose), "Dispose during the drain");
        handler.StopReturned();
        await Wait.For(draining, "the drain, halted by Dispose");
        handler.Release();
        await Wait.Until(() => handler.Running == 0, "the held handler to return");

        handler.StartsAfterStop.Should().Be(0, "no handler call starts after Dispose returned");
        subscription.GetStatistics().ShouldBalance(5);
        handler.Finished.Should().NotContain([1, 2, 3, 4], "the buffered events were never started");
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task The_bus_waits_for_a_subscription_that_is_draining_on_its_own_and_counts_its_events(HandlerKind kind)
    {
        var bus = CreateBus();
        var handler = new ProbeHandler(kind, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        for (var i = 0; i < 4; i++)
        {
            await bus.PublishAsync(i);
        }

        await Wait.For(handler.HeldStarted, "the held handler");
        var draining = subscription.DisposeAsync();
        var busDrain = bus.CompleteAsync();
        busDrain.IsCompleted.Should().BeFalse("the bus still owns the subscription that is draining");

        // Well-behaved handlers finish when released; the others need the bus's halt to end the drain.
        if (kind == HandlerKind.WellBehaved)
        {
            handler.Release();
            var result = await Wait.For(busDrain, "the bus drain");
            result.Completed.Should().BeTrue();
            result.Delivered.Should().Be(4, "the subscription's events are in the bus's result");
        }
        else
        {
            bus.Dispose();
            var result = await Wait.For(busDrain, "the bus drain, halted by the bus's Dispose");
            result.Completed.Should().BeFalse();
            result.ShouldBalance(4, "the bus's result");
            handler.Release();
        }

        await Wait.For(draining, "the subscription's own drain");
        subscription.GetStatistics().ShouldBalance(4);
        bus.Dispose();
    }

    [Fact]
    public async Task A_bus_deadline_bounds_a_subscription_that_is_draining_without_one()
    {
        var options = new EventBusOptions { TimeProvider = _time, DrainTimeout = Timeout.InfiniteTimeSpan, OnDropped = _drops.Enqueue };
        await using var bus = EventBusFactory.Create(options);
        var handler = new ProbeHandler(HandlerKind.IgnoresToken, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        await bus.PublishAsync(0);
        await bus.PublishAsync(1);
        await Wait.For(handler.HeldStarted, "the held handler");

        var draining = subscription.DisposeAsync();
        using var deadline = new CancellationTokenSource();
        var busDrain = bus.CompleteAsync(deadline.Token);
        await deadline.CancelAsync();

        var result = await Wait.For(busDrain, "the bus drain at its deadline");
        await Wait.For(draining, "the subscription's drain, bounded by the bus's deadline");
        result.Completed.Should().BeFalse();
        result.Abandoned.Should().Be(2);
        _drops.Select(d => (int)d.Event!).Should().BeEquivalentTo([0, 1]);
        handler.Release();
    }

    [Fact]
    public async Task Synchronous_publishes_accepted_into_the_overflow_are_delivered_by_a_graceful_drain()
    {
        var bus = CreateBus();
        var handler = new ProbeHandler(HandlerKind.WellBehaved, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions { Capacity = 1, RetryPolicy = RetryPolicy.None });
        bus.Publish(0);
        await Wait.For(handler.HeldStarted, "the held handler");

        // One fills the buffer; the rest wait in the overflow line, each accepted by Publish.
        for (var i = 1; i <= 20; i++)
        {
            bus.Publish(i);
        }

        var drain = bus.CompleteAsync();
        handler.Release();
        var result = await Wait.For(drain, "the drain");

        result.Completed.Should().BeTrue();
        result.Abandoned.Should().Be(0, "every accepted publish is delivered, the overflow line's included");
        result.Delivered.Should().Be(21);
        _drops.Should().BeEmpty();
        subscription.GetStatistics().ShouldBalance(21);
    }

    [Fact]
    public async Task A_handler_that_throws_while_a_halt_stops_it_is_counted_as_a_failed_attempt()
    {
        await using var bus = CreateBus();
        var handler = new ProbeHandler(HandlerKind.WellBehaved, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions());
        await bus.PublishAsync(0);
        await Wait.For(handler.HeldStarted, "the held handler");

        subscription.Dispose();

        var statistics = subscription.GetStatistics();
        statistics.FailedAttempts.Should().Be(1, "the handler threw its cancellation: an attempt that failed");
        statistics.Retried.Should().Be(0, "a halted consumer retries nothing");
        statistics.Abandoned.Should().Be(1);
        statistics.ShouldBalance(1);
    }

    [Fact]
    public async Task Disposing_the_bus_halts_a_subscription_that_is_draining_on_its_own()
    {
        var bus = CreateBus();
        var handler = new ProbeHandler(HandlerKind.IgnoresToken, item => item == 0);
        var subscription = bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        await bus.PublishAsync(0);
        await bus.PublishAsync(1);
        await Wait.For(handler.HeldStarted, "the held handler");
        var draining = subscription.DisposeAsync();

        bus.Dispose();
        handler.StopReturned();

        await Wait.For(draining, "the subscription's drain, halted by the bus");
        subscription.GetStatistics().ShouldBalance(2);
        handler.Release();
        await Wait.Until(() => handler.Running == 0, "the held handler to return");
        handler.StartsAfterStop.Should().Be(0);
    }

    private IEventBus CreateBus() => EventBusFactory.Create(new EventBusOptions
    {
        TimeProvider = _time,
        DrainTimeout = TimeSpan.FromSeconds(2),
        OnDropped = _drops.Enqueue,
    });
}
