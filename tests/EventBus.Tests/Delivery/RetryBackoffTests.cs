using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Delivery;

/// <summary>Backoff between attempts is measured on the bus's TimeProvider: with a fake clock, nothing
/// is retried until the clock is advanced by the policy's delay.</summary>
public sealed class RetryBackoffTests
{
    [Theory]
    [InlineData(DeliveryMode.Queued)]
    [InlineData(DeliveryMode.Inline)]
    public async Task Retries_wait_for_the_exponential_backoff_on_the_TimeProvider(DeliveryMode mode)
    {
        var time = new TestTimeProvider();
        var sink = new DeadLetterQueue();
        var deadLettered = new TaskCompletionSource<DeadLetter>(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.Added += letter => deadLettered.TrySetResult(letter);
        await using var bus = EventBusFactory.Create(new EventBusOptions { TimeProvider = time, DeadLetterSink = sink });
        var attempts = new Countdown[] { new(1), new(1), new(1) };
        var attempt = 0;
        bus.Subscribe<Ping>(_ =>
        {
            attempts[Math.Min(Interlocked.Increment(ref attempt), 3) - 1].Signal();
            throw new TimeoutException("downstream unavailable");
        }, new SubscriptionOptions
        {
            Mode = mode,
            RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.FromSeconds(1), Backoff = BackoffKind.Exponential, Jitter = 0 },
        });

        await bus.PublishAsync(new Ping(0, 1));

        await attempts[0].WaitAsync("the first attempt");
        await time.WaitForTimerAsync(TimeSpan.FromSeconds(1));
        Volatile.Read(ref attempt).Should().Be(1, "the retry waits for the clock");
        time.Advance(TimeSpan.FromSeconds(1));

        await attempts[1].WaitAsync("the second attempt after 1 s");
        await time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(1));
        Volatile.Read(ref attempt).Should().Be(2, "the second retry waits 2 s, not 1 s");
        time.Advance(TimeSpan.FromSeconds(1));

        await attempts[2].WaitAsync("the third attempt after 2 more s");
        var letter = await Wait.For(deadLettered.Task, "the dead letter");
        letter.Attempts.Should().Be(3);
        letter.Exception.Should().BeOfType<TimeoutException>();
        letter.FirstFailedAt.Should().Be(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        letter.DeadLetteredAt.Should().Be(letter.FirstFailedAt.AddSeconds(3));
    }

    [Fact]
    public async Task Dispose_cancels_a_pending_backoff_at_once()
    {
        var time = new TestTimeProvider();
        var drops = new List<DroppedEvent>();
        await using var bus = EventBusFactory.Create(new EventBusOptions { TimeProvider = time, OnDropped = drops.Add });
        var failed = new Countdown(1);
        var subscription = bus.Subscribe<Ping>(_ =>
        {
            failed.Signal();
            throw new InvalidOperationException();
        }, new SubscriptionOptions { RetryPolicy = new RetryPolicy { MaxRetries = 5, BaseDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(1), Jitter = 0 } });

        await bus.PublishAsync(new Ping(0, 1));
        await failed.WaitAsync("the first failure");
        await time.WaitForTimerAsync(TimeSpan.FromHours(1));

        // Dispose waits for the worker, which is waiting for the backoff: it must be cancelled, not awaited.
        await Wait.For(Task.Run(subscription.Dispose), "Dispose while a retry waits an hour");
        subscription.GetStatistics().DeadLettered.Should().Be(0);
        subscription.GetStatistics().Abandoned.Should().Be(1, "it had been attempted: abandoned, not dropped as never started");
        drops.Should().ContainSingle(d => d.Reason == DropReason.Abandoned);
    }

    [Fact]
    public async Task A_drain_waits_for_a_pending_retry_until_its_deadline_then_abandons_it()
    {
        var time = new TestTimeProvider();
        var abandoned = new TaskCompletionSource<DroppedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = EventBusFactory.Create(new EventBusOptions
        {
            TimeProvider = time,
            OnDropped = drop => abandoned.TrySetResult(drop),
            DrainTimeout = TimeSpan.FromSeconds(10),
        });
        var failed = new Countdown(1);
        bus.Subscribe<Ping>(_ =>
        {
            failed.Signal();
            throw new InvalidOperationException();
        }, new SubscriptionOptions { RetryPolicy = new RetryPolicy { MaxRetries = 5, BaseDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(1), Jitter = 0 } });

        await bus.PublishAsync(new Ping(0, 1));
        await failed.WaitAsync("the first failure");
        await time.WaitForTimerAsync(TimeSpan.FromHours(1));

        var disposal = bus.DisposeAsync().AsTask();
        await time.WaitForTimerAsync(TimeSpan.FromSeconds(10));
        disposal.IsCompleted.Should().BeFalse("the accepted event is still waiting for its retry");
        time.Advance(TimeSpan.FromSeconds(10));

        var result = await Wait.For(bus.CompleteAsync(), "the drain deadline");
        await Wait.For(disposal, "the disposal");
        result.Abandoned.Should().Be(1, "the event waiting for its retry was counted when the deadline passed");

        // The waiting retry hears the cancellation on its own and then reports the event.
        var drop = await Wait.For(abandoned.Task, "the abandoned event to be reported");
        drop.Reason.Should().Be(DropReason.Abandoned);
        ((Ping)drop.Event!).Sequence.Should().Be(1);
    }
}
