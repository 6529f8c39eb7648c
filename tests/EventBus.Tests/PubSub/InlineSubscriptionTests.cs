using System.Diagnostics;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>What only inline delivery does: the handler runs on the publisher's thread, during the publish.</summary>
public sealed class InlineSubscriptionTests
{
    private static readonly SubscriptionOptions s_inline = new() { Mode = DeliveryMode.Inline, RetryPolicy = RetryPolicy.None };

    [Fact]
    public async Task The_handler_runs_on_the_publishers_thread_before_publish_returns()
    {
        await using var bus = EventBusFactory.Create();
        int? handlerThread = null;
        bus.Subscribe<Ping>(_ => handlerThread = Environment.CurrentManagedThreadId, s_inline);

        bus.Publish(new Ping(0, 1));

        handlerThread.Should().Be(Environment.CurrentManagedThreadId);
    }

    [Fact]
    public async Task PublishAsync_awaits_an_inline_async_handler()
    {
        await using var bus = EventBusFactory.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        bus.Subscribe<Ping>(async (_, _) =>
        {
            await release.Task;
            finished = true;
        }, s_inline);

        var publish = bus.PublishAsync(new Ping(0, 1));
        publish.IsCompleted.Should().BeFalse();
        release.SetResult();
        await Wait.For(publish, "the publish");
        finished.Should().BeTrue();
    }

    [Fact]
    public async Task Sync_publish_does_not_wait_for_an_inline_async_handler_but_drain_does()
    {
        await using var bus = EventBusFactory.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        bus.Subscribe<Ping>(async (_, _) =>
        {
            await release.Task;
            Interlocked.Increment(ref finished);
        }, s_inline);

        bus.Publish(new Ping(0, 1));
        Volatile.Read(ref finished).Should().Be(0);

        var drain = bus.CompleteAsync();
        drain.IsCompleted.Should().BeFalse("the async handler still runs");
        release.SetResult();
        var result = await Wait.For(drain, "the drain");
        result.Delivered.Should().Be(1);
        Volatile.Read(ref finished).Should().Be(1);
    }

    [Fact]
    public async Task A_failed_inline_handler_is_retried_off_the_publishers_stack()
    {
        await using var bus = EventBusFactory.Create();
        var release = new ManualResetEventSlim();
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;
        bus.Subscribe<Ping>(_ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            // The retry blocks until the test has seen Publish return: if it ran on the
            // publisher's stack, Publish could not return and the wait below would time out.
            release.Wait(Wait.Timeout);
            retried.TrySetResult();
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline, RetryPolicy = new RetryPolicy { MaxRetries = 1, BaseDelay = TimeSpan.Zero } });

        await Wait.For(Task.Run(() => bus.Publish(new Ping(0, 1))), "Publish to return while the retry is pending");
        release.Set();

        await Wait.For(retried.Task, "the retry");
        var result = await bus.CompleteAsync();
        result.Delivered.Should().Be(1);
        Volatile.Read(ref attempts).Should().Be(2);
    }

    [Fact]
    public async Task A_failed_inline_handler_is_retried_off_the_publishers_stack_while_traced()
    {
        // With a listener, the handler runs inside a traced call that returns its failure in a task
        // instead of throwing; the retry must still leave the publisher's stack.
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EventBusDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var bus = EventBusFactory.Create();
        using var release = new ManualResetEventSlim();
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;
        bus.Subscribe<Ping>(_ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            release.Wait(Wait.Timeout);
            retried.TrySetResult();
        }, new SubscriptionOptions { Mode = DeliveryMode.Inline, RetryPolicy = new RetryPolicy { MaxRetries = 1, BaseDelay = TimeSpan.Zero } });

        await Wait.For(Task.Run(() => bus.Publish(new Ping(0, 1))), "Publish to return while the retry is pending");
        release.Set();

        await Wait.For(retried.Task, "the retry");
        Volatile.Read(ref attempts).Should().Be(2);
    }

    [Fact]
    public async Task An_inline_handler_that_throws_does_not_stop_the_inline_handlers_after_it()
    {
        await using var bus = EventBusFactory.Create();
        var calls = new List<string>();
        bus.Subscribe<Ping>(_ => calls.Add("first"), s_inline);
        bus.Subscribe<Ping>(_ => throw new InvalidOperationException(), s_inline);
        bus.Subscribe<Ping>((_, _) => calls.Add("third with context"), s_inline);
        bus.Subscribe<Ping>(_ => calls.Add("fourth"), s_inline);

        bus.Publish(new Ping(0, 1));

        calls.Should().BeEquivalentTo("first", "third with context", "fourth");
    }

    [Fact]
    public async Task Inline_subscriptions_have_no_buffer()
    {
        await using var bus = EventBusFactory.Create();
        var subscription = bus.Subscribe<Ping>(_ => { }, s_inline);
        bus.Publish(new Ping(0, 1));
        subscription.PendingCount.Should().Be(0);
        subscription.Mode.Should().Be(DeliveryMode.Inline);
        subscription.GetStatistics().Delivered.Should().Be(1);
    }
}
