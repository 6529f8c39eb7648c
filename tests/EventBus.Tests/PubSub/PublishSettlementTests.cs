using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary><see cref="PublishOptions.OnSettled"/>: told once, after every reached subscription finished, with the right counts.</summary>
public sealed class PublishSettlementTests : IAsyncLifetime
{
    private readonly DeadLetterQueue _deadLetters = new();
    private readonly IEventBus _bus;

    public PublishSettlementTests()
    {
        _bus = EventBusFactory.Create(new EventBusOptions { DeadLetterSink = _deadLetters });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    /// <summary>Collects settlements and fails the test if one publish is settled twice.</summary>
    private sealed class Settlements
    {
        private readonly TaskCompletionSource<PublishSettlement> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public bool IsSettled => _first.Task.IsCompleted;

        public PublishOptions Options(string? correlationId = null) => new() { CorrelationId = correlationId, OnSettled = Settle };

        public Task<PublishSettlement> WaitAsync() => Wait.For(_first.Task, "the settlement");

        private void Settle(PublishSettlement settlement)
        {
            Interlocked.Increment(ref _calls);
            _first.TrySetResult(settlement);
        }
    }

    /// <summary>A handler that holds its first event until released, so later events wait behind it.</summary>
    private sealed class Gate
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => Wait.For(_started.Task, "the gated handler to start");

        public void Release() => _release.TrySetResult();

        /// <summary>The handler: marks the start, then waits for the release (or for the subscription to stop).</summary>
        public Func<Ping, CancellationToken, ValueTask> Handle => (_, cancellationToken) =>
        {
            _started.TrySetResult();
            return new ValueTask(_release.Task.WaitAsync(cancellationToken));
        };
    }

    [Theory]
    [InlineData(DeliveryMode.Inline)]
    [InlineData(DeliveryMode.Queued)]
    public async Task Every_subscription_that_handled_the_event_is_counted_once(DeliveryMode mode)
    {
        var handled = new Countdown(3);
        var options = new SubscriptionOptions { Mode = mode };
        _bus.Subscribe<Ping>(_ => handled.Signal(), options);
        _bus.Subscribe<Ping>((_, _) => handled.Signal(), options);
        _bus.Subscribe<Ping>(async (_, _) =>
        {
            await Task.Yield();
            handled.Signal();
        }, options);
        var settlements = new Settlements();

        await _bus.PublishAsync(new Ping(0, 1), settlements.Options("order-7"));

        var settlement = await settlements.WaitAsync();
        await handled.WaitAsync("the handlers");
        settlement.Handled.Should().Be(3);
        settlement.AllHandled.Should().BeTrue();
        settlement.Context.CorrelationId.Should().Be("order-7");
        settlement.Context.EventType.Should().Be<Ping>();
        settlements.Calls.Should().Be(1);
    }

    [Theory]
    [InlineData(DeliveryMode.Inline)]
    [InlineData(DeliveryMode.Queued)]
    public async Task A_subscription_that_gives_up_counts_as_dead_lettered_once_its_dead_letter_is_written(DeliveryMode mode)
    {
        _bus.Subscribe<Ping>(_ => throw new InvalidOperationException("broken"),
            new SubscriptionOptions { Mode = mode, RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.Zero, Jitter = 0 } });
        _bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Mode = mode });
        var settlements = new Settlements();

        await _bus.PublishAsync(new Ping(0, 1), settlements.Options());

        var settlement = await settlements.WaitAsync();
        settlement.Handled.Should().Be(1);
        settlement.DeadLettered.Should().Be(1);
        settlement.AllHandled.Should().BeFalse();
        _deadLetters.ToList().Should().ContainSingle("the dead letter is written before the settlement")
            .Which.Context.Should().BeSameAs(settlement.Context);
    }

    [Fact]
    public async Task A_publish_that_reaches_no_subscription_settles_at_once_with_nothing_counted()
    {
        _bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Topic = "elsewhere" });
        var settlements = new Settlements();

        _bus.Publish(new Ping(0, 1), new PublishOptions { Topic = "here", OnSettled = settlements.Options().OnSettled });

        settlements.IsSettled.Should().BeTrue("nothing was reached, so nothing is left to wait for");
        var settlement = await settlements.WaitAsync();
        (settlement.Handled + settlement.DeadLettered + settlement.Dropped + settlement.Abandoned).Should().Be(0);
        settlement.AllHandled.Should().BeTrue();
    }

    [Fact]
    public async Task A_queued_handler_still_running_holds_the_settlement_back()
    {
        var gate = new Gate();
        _bus.Subscribe<Ping>(gate.Handle);
        _bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Mode = DeliveryMode.Inline });
        var settlements = new Settlements();

        await _bus.PublishAsync(new Ping(0, 1), settlements.Options());
        await gate.Started;

        settlements.IsSettled.Should().BeFalse("the queued handler has not returned");
        gate.Release();
        var settlement = await settlements.WaitAsync();
        settlement.Handled.Should().Be(2);
        settlements.Calls.Should().Be(1);
    }

    [Fact]
    public async Task A_refused_publish_counts_the_refusing_subscription_as_dropped()
    {
        var gate = new Gate();
        _bus.Subscribe<Ping>(gate.Handle, new SubscriptionOptions { Capacity = 1, FullMode = BufferFullMode.Fail });
        await _bus.PublishAsync(new Ping(0, 1));
        await gate.Started;
        await _bus.PublishAsync(new Ping(0, 2));
        var settlements = new Settlements();

        var publish = async () => await _bus.PublishAsync(new Ping(0, 3), settlements.Options());

        await publish.Should().ThrowAsync<EventBusFullException>();
        var settlement = await settlements.WaitAsync();
        settlement.Dropped.Should().Be(1);
        settlement.Handled.Should().Be(0);
        gate.Release();
    }

    [Fact]
    public async Task A_cancelled_wait_for_space_counts_the_subscriptions_it_never_reached_as_abandoned()
    {
        var gate = new Gate();
        _bus.Subscribe<Ping>(gate.Handle, new SubscriptionOptions { Name = "full", Capacity = 1 });
        _bus.Subscribe<Ping>(_ => { }, new SubscriptionOptions { Name = "after" });
        await _bus.PublishAsync(new Ping(0, 1));
        await gate.Started;
        await _bus.PublishAsync(new Ping(0, 2));
        using var cancel = new CancellationTokenSource();
        var settlements = new Settlements();

        var publish = _bus.PublishAsync(new Ping(0, 3), settlements.Options(), cancel.Token).AsTask();
        settlements.IsSettled.Should().BeFalse("the publish is waiting for space");
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => publish).Should().ThrowAsync<OperationCanceledException>();
        var settlement = await settlements.WaitAsync();
        settlement.Abandoned.Should().Be(2, "neither the full subscription nor the one after it received the event");
        settlement.Handled.Should().Be(0);
        gate.Release();
    }

    [Fact]
    public async Task Events_still_buffered_when_their_subscription_is_disposed_count_as_abandoned()
    {
        var gate = new Gate();
        var subscription = _bus.Subscribe<Ping>(gate.Handle, new SubscriptionOptions { RetryPolicy = RetryPolicy.None });
        await _bus.PublishAsync(new Ping(0, 1));
        await gate.Started;
        var settlements = new Settlements();
        await _bus.PublishAsync(new Ping(0, 2), settlements.Options());

        subscription.Dispose();

        var settlement = await settlements.WaitAsync();
        settlement.Abandoned.Should().Be(1);
        settlements.Calls.Should().Be(1);
    }

    [Fact]
    public async Task A_throwing_callback_is_reported_and_does_not_disturb_delivery()
    {
        var errors = new TaskCompletionSource<DeliveryError>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var bus = EventBusFactory.Create(new EventBusOptions { OnError = e => errors.TrySetResult(e) });
        var handled = new Recorder<Ping>(2);
        bus.Subscribe<Ping>(handled.Record);

        await bus.PublishAsync(new Ping(0, 1), new PublishOptions { OnSettled = _ => throw new InvalidOperationException("callback bug") });
        await bus.PublishAsync(new Ping(0, 2));

        await handled.WaitAsync();
        var error = await Wait.For(errors.Task, "the callback's error report");
        error.Kind.Should().Be(DeliveryErrorKind.CallbackFailed);
        error.Exception.Message.Should().Be("callback bug");
    }
}
