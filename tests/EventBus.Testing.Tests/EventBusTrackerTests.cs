using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.Testing.Tests;

public sealed class EventBusTrackerTests : IAsyncLifetime
{
    private static readonly RetryPolicy s_twoQuickRetries = new() { MaxRetries = 2, BaseDelay = TimeSpan.Zero, Jitter = 0 };

    private readonly IEventBus _bus = EventBusFactory.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task A_publish_returns_its_whole_tree_across_subscriptions_and_work_queues()
    {
        var shipped = new List<string>();
        await using var shipping = WorkQueue.Create<Ship>(async (ship, ct) =>
        {
            await Task.Yield();
            await _bus.PublishAsync(new Shipped(ship.Order), ct);
        }, new WorkQueueOptions<Ship> { Name = "shipping" });

        // Queued: the order's payment and shipment run on consumer loops; inline: the receipt on the publisher's thread.
        _bus.Subscribe<OrderPlaced>(async (order, ct) => await _bus.PublishAsync(new PaymentTaken(order.Id), ct), new SubscriptionOptions { Name = "payments" });
        _bus.Subscribe<OrderPlaced>((order, ct) => shipping.EnqueueAsync(new Ship(order.Id), ct), new SubscriptionOptions { Name = "warehouse" });
        _bus.Subscribe<PaymentTaken>(_ => { }, new SubscriptionOptions { Name = "receipts", Mode = DeliveryMode.Inline });
        _bus.Subscribe<Shipped>(s => { lock (shipped) { shipped.Add(s.Order); } }, new SubscriptionOptions { Name = "notifier" });

        using var tracker = new EventBusTracker(_bus).Track(shipping);
        var session = await tracker.PublishAndWaitAsync(new OrderPlaced("o-1"));

        session.AllHandled.Should().BeTrue(session.ToString());
        session.Messages.Should().HaveCount(4, session.ToString());
        var root = session.Roots.Should().ContainSingle().Subject;
        root.Message.Should().Be(new OrderPlaced("o-1"));
        root.Outcomes.Select(o => o.Consumer).Should().BeEquivalentTo("payments", "warehouse");
        root.Caused.Select(m => m.Message).Should().BeEquivalentTo(new object[] { new PaymentTaken("o-1"), new Ship("o-1") });

        var ship = session.MessagesOf<Ship>().Should().ContainSingle().Subject;
        ship.Queue.Should().Be("shipping");
        ship.Cause.Should().BeSameAs(root);
        ship.Context.CausationId.Should().Be(root.Context.Id);
        ship.Outcomes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Consumer = "shipping", Kind = TrackedOutcomeKind.Handled, Attempts = 1 });

        var shippedEvent = ship.Caused.Should().ContainSingle().Subject;
        shippedEvent.Message.Should().Be(new Shipped("o-1"));
        shippedEvent.Outcomes.Should().ContainSingle().Which.Consumer.Should().Be("notifier");

        // Settled means handled: the last handler has run when the wait returns.
        lock (shipped)
        {
            shipped.Should().Equal("o-1");
        }
    }

    [Fact]
    public async Task Retries_and_dead_letters_are_outcomes_with_their_attempts()
    {
        var calls = 0;
        _bus.Subscribe<OrderPlaced>(_ =>
        {
            if (Interlocked.Increment(ref calls) < 2)
            {
                throw new InvalidOperationException("flaky");
            }
        }, new SubscriptionOptions { Name = "flaky", RetryPolicy = s_twoQuickRetries });
        _bus.Subscribe<OrderPlaced>(_ => throw new InvalidOperationException("broken"), new SubscriptionOptions { Name = "broken", RetryPolicy = s_twoQuickRetries });

        using var tracker = new EventBusTracker(_bus);
        var session = await tracker.PublishAndWaitAsync(new OrderPlaced("o-2"));

        var outcomes = session.Roots.Single().Outcomes;
        outcomes.Should().BeEquivalentTo(new[]
        {
            new { Consumer = (string?)"flaky", Kind = TrackedOutcomeKind.Handled, Attempts = 2 },
            new { Consumer = (string?)"broken", Kind = TrackedOutcomeKind.DeadLettered, Attempts = 3 },
        });
        session.AllHandled.Should().BeFalse();
    }

    [Fact]
    public async Task Drops_settle_the_tree_too()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<Shipped>(async (_, ct) => await gate.Task.WaitAsync(ct), new SubscriptionOptions
        {
            Name = "slow",
            Capacity = 1,
            FullMode = BufferFullMode.DropNewest,
        });

        // Three publishes into a one-slot buffer whose handler is held: at least one has no room and is dropped.
        _bus.Subscribe<OrderPlaced>(order =>
        {
            for (var i = 0; i < 3; i++)
            {
                _bus.Publish(new Shipped($"{order.Id}-{i}"));
            }

            gate.SetResult();
        }, new SubscriptionOptions { Name = "splitter", Mode = DeliveryMode.Inline });

        using var tracker = new EventBusTracker(_bus);
        var session = await tracker.PublishAndWaitAsync(new OrderPlaced("o-3"));

        var children = session.MessagesOf<Shipped>().ToList();
        children.Should().HaveCount(3);
        children.Should().OnlyContain(c => c.IsSettled && c.Outcomes.Count == 1);
        var kinds = children.Select(c => c.Outcomes[0].Kind).ToList();
        kinds.Should().OnlyContain(k => k == TrackedOutcomeKind.Handled || k == TrackedOutcomeKind.Dropped);
        kinds.Should().Contain(TrackedOutcomeKind.Dropped);
        children.Where(c => c.Outcomes[0].Kind == TrackedOutcomeKind.Dropped)
            .Should().OnlyContain(c => c.Outcomes[0].Reason == DropReason.DroppedNewest);
    }

    [Fact]
    public async Task An_item_enqueued_and_waited_for_is_the_root()
    {
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<Shipped>(s => handled.TrySetResult(s.Order));
        await using var shipping = WorkQueue.Create<Ship>((ship, ct) => _bus.PublishAsync(new Shipped(ship.Order), ct), new WorkQueueOptions<Ship> { Name = "shipping" });

        using var tracker = new EventBusTracker(_bus);
        var session = await tracker.EnqueueAndWaitAsync(shipping, new Ship("o-4"));

        handled.Task.IsCompleted.Should().BeTrue();
        var root = session.Roots.Should().ContainSingle().Subject;
        root.Queue.Should().Be("shipping");
        root.Caused.Should().ContainSingle().Which.Message.Should().Be(new Shipped("o-4"));
        session.AllHandled.Should().BeTrue(session.ToString());
    }

    [Fact]
    public async Task A_publish_nobody_subscribes_to_settles_at_once()
    {
        using var tracker = new EventBusTracker(_bus);

        var session = await tracker.PublishAndWaitAsync(new OrderPlaced("o-5"), PublishOptions.ForTopic("nobody"));

        var root = session.Roots.Should().ContainSingle().Subject;
        root.Outcomes.Should().BeEmpty();
        root.Topic.Should().Be("nobody");
        root.IsSettled.Should().BeTrue();
    }

    [Fact]
    public async Task An_action_makes_as_many_roots_as_it_publishes()
    {
        _bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { Name = "a" });
        using var tracker = new EventBusTracker(_bus);

        var session = await tracker.ExecuteAndWaitAsync(async ct =>
        {
            await _bus.PublishAsync(new OrderPlaced("o-6"), ct);
            _bus.Publish(new OrderPlaced("o-7"));
        });

        session.Roots.Select(r => r.Message).Should().Equal(new OrderPlaced("o-6"), new OrderPlaced("o-7"));
        (await tracker.ExecuteAndWaitAsync(_ => ValueTask.CompletedTask)).Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task Sessions_in_parallel_each_follow_only_their_own_tree()
    {
        var bothStarted = new CountdownEvent(2);
        _bus.Subscribe<OrderPlaced>(async (order, ct) =>
        {
            bothStarted.Signal();
            await Task.Run(() => bothStarted.Wait(Wait.Timeout), ct);
            await _bus.PublishAsync(new PaymentTaken(order.Id), ct);
        }, new SubscriptionOptions { Name = "payments", MaxConcurrency = 2 });
        _bus.Subscribe<PaymentTaken>(_ => { }, new SubscriptionOptions { Name = "receipts" });
        using var tracker = new EventBusTracker(_bus);

        var sessions = await Task.WhenAll(
            tracker.PublishAndWaitAsync(new OrderPlaced("a")),
            tracker.PublishAndWaitAsync(new OrderPlaced("b")));

        sessions[0].Messages.Select(m => m.Message).Should().Equal(new OrderPlaced("a"), new PaymentTaken("a"));
        sessions[1].Messages.Select(m => m.Message).Should().Equal(new OrderPlaced("b"), new PaymentTaken("b"));
    }

    [Fact]
    public async Task A_timeout_names_what_is_still_pending()
    {
        var time = new TimerSignallingTime();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<OrderPlaced>(async (_, ct) => await release.Task, new SubscriptionOptions { Name = "stuck" });
        using var tracker = new EventBusTracker(_bus, time) { Timeout = TimeSpan.FromSeconds(5) };

        var waiting = tracker.PublishAndWaitAsync(new OrderPlaced("o-8"));
        await Wait.For(time.TimerCreated.Task, "the tracker to arm its timeout");
        time.Advance(TimeSpan.FromSeconds(5));

        var error = (await FluentActions.Awaiting(() => waiting).Should().ThrowAsync<TrackingTimeoutException>()).Which;
        error.Message.Should().Contain("OrderPlaced").And.Contain("PENDING");
        error.Session.Pending.Should().ContainSingle().Which.Message.Should().Be(new OrderPlaced("o-8"));
        release.SetResult();
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task A_bus_that_halts_mid_handler_settles_the_tree_with_the_event_abandoned(HandlerKind kind)
    {
        // Dispose waits at most DrainTimeout (real clock) for a handler that ignores its token.
        var bus = EventBusFactory.Create(new EventBusOptions { DrainTimeout = TimeSpan.FromSeconds(1) });
        var probe = new ProbeHandler(kind, _ => true);
        bus.Subscribe<int>(probe.HandleAsync, new SubscriptionOptions { Name = "held" });
        using var tracker = new EventBusTracker(bus);

        var waiting = tracker.PublishAndWaitAsync(1);
        await Wait.For(probe.HeldStarted, "the handler to start");
        bus.Dispose();

        var session = await Wait.For(waiting, "the tracked session to settle");
        session.Roots.Single().Outcomes.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { Consumer = (string?)"held", Kind = TrackedOutcomeKind.Abandoned, Reason = (DropReason?)DropReason.Abandoned },
            session.ToString());
        probe.Release();
    }

    [Fact]
    public async Task Disposing_the_tracker_fails_its_waits_and_frees_the_bus_for_another()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<OrderPlaced>(async (_, ct) => await release.Task, new SubscriptionOptions { Name = "stuck" });
        var tracker = new EventBusTracker(_bus);
        var waiting = tracker.PublishAndWaitAsync(new OrderPlaced("o-9"));

        FluentActions.Invoking(() => new EventBusTracker(_bus)).Should().Throw<InvalidOperationException>().WithMessage("*Another EventBusTracker*");
        tracker.Dispose();

        await FluentActions.Awaiting(() => Wait.For(waiting, "the wait to fail")).Should().ThrowAsync<ObjectDisposedException>();
        using var next = new EventBusTracker(_bus);
        release.SetResult();
        await FluentActions.Awaiting(() => tracker.PublishAndWaitAsync(new OrderPlaced("late"))).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Bad_input_gets_a_specific_exception()
    {
        FluentActions.Invoking(() => new EventBusTracker(null!)).Should().Throw<ArgumentNullException>();
        using var tracker = new EventBusTracker(_bus);
        FluentActions.Invoking(() => tracker.Timeout = TimeSpan.Zero).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => tracker.Track<Ship>(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => tracker.Track(new OtherQueue())).Should().Throw<NotSupportedException>().WithMessage("*OtherQueue*");
        await FluentActions.Awaiting(() => tracker.PublishAndWaitAsync<OrderPlaced>(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => tracker.ExecuteAndWaitAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task What_the_publish_throws_propagates()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<OrderPlaced>(async (_, ct) =>
        {
            started.TrySetResult();
            await release.Task;
        }, new SubscriptionOptions { Name = "full", Capacity = 1, FullMode = BufferFullMode.Fail });
        using var tracker = new EventBusTracker(_bus);
        _bus.Publish(new OrderPlaced("running"));
        await Wait.For(started.Task, "the handler to start");
        _bus.Publish(new OrderPlaced("buffered"));

        await FluentActions.Awaiting(() => tracker.PublishAndWaitAsync(new OrderPlaced("refused"))).Should().ThrowAsync<EventBusFullException>();
        release.SetResult();
    }

    private sealed record OrderPlaced(string Id);

    private sealed record PaymentTaken(string Order);

    private sealed record Ship(string Order);

    private sealed record Shipped(string Order);

    /// <summary>A fake clock that says when a timer was armed, so a test advances it only once the wait listens.</summary>
    private sealed class TimerSignallingTime : FakeTimeProvider
    {
        public TaskCompletionSource TimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerCreated.TrySetResult();
            return timer;
        }
    }

    private sealed class OtherQueue : IWorkQueue<Ship>
    {
        public string Name => "other";

        public int Count => 0;

        public int InFlight => 0;

        public ValueTask EnqueueAsync(Ship item, CancellationToken cancellationToken = default) => default;

        public bool TryEnqueue(Ship item) => true;
    }
}
