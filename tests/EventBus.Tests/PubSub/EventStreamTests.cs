using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>
/// <c>await foreach</c> over a bus's events (<see cref="EventStreams"/>): one queued subscription whose
/// buffer is the stream's backlog, whose full mode meets a slow reader, and whose every stop path
/// accounts for each event.
/// </summary>
/// <remarks>
/// The stream's handler is the library's own, so the stop paths vary the reader instead: one waiting in
/// <c>MoveNextAsync</c>, one busy in its loop body that ignores the token until its next call, and one that
/// cancels or stops from inside its own loop body (the stop then runs on the reader's own thread).
/// </remarks>
public sealed class EventStreamTests
{
    private const string StreamName = "stream";
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();

    public enum ReaderStop
    {
        Break,
        Throw,
        DisposeEnumerator,
    }

    public enum Cancellation
    {
        FromInsideTheLoop,
        WhileTheLoopBodyRuns,
        ThroughWithCancellation,
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_event_reaches_the_stream_in_publish_order(bool telemetryListens)
    {
        using var telemetry = new TelemetryCollector();
        await using var bus = EventBusFactory.Create(new EventBusOptions
        {
            OnDropped = _drops.Enqueue,
            MeterFactory = telemetryListens ? telemetry.MeterFactory : null,
        });
        const int perPublisher = 500;
        var stream = bus.StreamAsync<Ping>(new SubscriptionOptions { Name = StreamName, Capacity = 8 });

        var publishers = Enumerable.Range(0, 2).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await bus.PublishAsync(new Ping(p, i));
            }
        })).ToArray();
        var received = new List<Ping>();
        await Wait.For(Read(), "the reader");
        await Wait.For(Task.WhenAll(publishers), "the publishers");

        foreach (var publisher in new[] { 0, 1 })
        {
            received.Where(ping => ping.Publisher == publisher).Select(ping => ping.Sequence)
                .Should().Equal(Enumerable.Range(0, perPublisher), "publisher {0}'s events arrive once each, in its order", publisher);
        }

        var result = await bus.CompleteAsync();
        result.Delivered.Should().Be(2 * perPublisher);
        result.ShouldBalance(2 * perPublisher);
        _drops.Should().BeEmpty();

        async Task Read()
        {
            await foreach (var ping in stream)
            {
                received.Add(ping);
                if (received.Count == 2 * perPublisher)
                {
                    break;
                }
            }
        }
    }

    [Fact]
    public async Task A_slow_reader_makes_publishers_wait_under_Wait_mode()
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 2 });
        var subscription = bus.Subscriptions.Single();
        await using var reader = stream.GetAsyncEnumerator();
        await FillAsync(bus, subscription, 3);

        var waiting = bus.PublishAsync(3);
        waiting.IsCompleted.Should().BeFalse("the buffer is full and the reader has taken nothing");

        (await reader.MoveNextAsync()).Should().BeTrue();
        reader.Current.Should().Be(0);
        await Wait.For(waiting, "the publisher, let in once the reader took an event");

        var drain = bus.CompleteAsync();
        var rest = new List<int>();
        while (await reader.MoveNextAsync())
        {
            rest.Add(reader.Current);
        }

        rest.Should().Equal(1, 2, 3);
        (await Wait.For(drain, "the drain")).Delivered.Should().Be(4);
        subscription.GetStatistics().ShouldBalance(4);
        _drops.Should().BeEmpty();
    }

    [Theory]
    [InlineData(BufferFullMode.DropOldest, new[] { 0, 4, 5 }, new[] { 1, 2, 3 }, DropReason.DroppedOldest)]
    [InlineData(BufferFullMode.DropNewest, new[] { 0, 1, 5 }, new[] { 2, 3, 4 }, DropReason.DroppedNewest)]
    [InlineData(BufferFullMode.DropWrite, new[] { 0, 1, 2 }, new[] { 3, 4, 5 }, DropReason.DroppedWrite)]
    public async Task A_slow_reader_loses_events_under_a_drop_mode_each_counted_and_reported(
        BufferFullMode mode, int[] read, int[] dropped, DropReason reason)
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 2, FullMode = mode });
        var subscription = bus.Subscriptions.Single();
        await using var reader = stream.GetAsyncEnumerator();
        await FillAsync(bus, subscription, 3);

        for (var i = 3; i < 6; i++)
        {
            var publish = bus.PublishAsync(i);
            publish.IsCompletedSuccessfully.Should().BeTrue("a drop mode never makes the publisher wait");
            await publish;
        }

        var drain = bus.CompleteAsync();
        (await ReadAllAsync(reader)).Should().Equal(read);
        await Wait.For(drain, "the drain");

        _drops.Select(d => (int)d.Event!).Should().Equal(dropped);
        _drops.Should().AllSatisfy(d => d.Reason.Should().Be(reason)).And.AllSatisfy(d => d.Source.Should().Be(StreamName));
        var statistics = subscription.GetStatistics();
        statistics.Delivered.Should().Be(3);
        statistics.Dropped.Should().Be(3);
        statistics.ShouldBalance(6);
    }

    [Fact]
    public async Task A_slow_reader_under_Fail_mode_makes_the_publish_throw()
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 2, FullMode = BufferFullMode.Fail });
        var subscription = bus.Subscriptions.Single();
        await using var reader = stream.GetAsyncEnumerator();
        await FillAsync(bus, subscription, 3);

        var refused = async () => await bus.PublishAsync(3);
        (await refused.Should().ThrowAsync<EventBusFullException>()).Which.Subscriptions.Should().Equal(StreamName);

        var drain = bus.CompleteAsync();
        (await ReadAllAsync(reader)).Should().Equal(0, 1, 2);
        await Wait.For(drain, "the drain");
        _drops.Select(d => ((int)d.Event!, d.Reason)).Should().Equal((3, DropReason.Rejected));
        subscription.GetStatistics().Delivered.Should().Be(3);
        subscription.GetStatistics().ShouldBalance(4, "the subscription (the refused event is counted, as rejected)");
    }

    [Fact]
    public async Task A_topic_stream_receives_only_its_topic()
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<Ping>(new SubscriptionOptions { Topic = "orders" });
        await bus.PublishAsync(new Ping(0, 1), PublishOptions.ForTopic("orders"));
        await bus.PublishAsync(new Ping(0, 2), PublishOptions.ForTopic("payments"));
        await bus.PublishAsync(new Ping(0, 3));
        await bus.PublishAsync(new Ping(0, 4), PublishOptions.ForTopic("orders"));

        var drain = bus.CompleteAsync();
        var received = new List<int>();
        await foreach (var ping in stream)
        {
            received.Add(ping.Sequence);
        }

        received.Should().Equal(1, 4);
        (await Wait.For(drain, "the drain")).Delivered.Should().Be(2);
    }

    [Fact]
    public async Task The_context_form_hands_out_each_event_with_its_context()
    {
        await using var bus = CreateBus();
        var stream = bus.StreamWithContextAsync<AnimalEvent>(new SubscriptionOptions { Topic = "kennel" });
        var headers = new Dictionary<string, string> { ["tenant"] = "t-1" };
        await bus.PublishAsync(new AnimalEvent("rex"), new PublishOptions { Topic = "kennel", CorrelationId = "walk-1", Headers = headers });
        await bus.PublishAsync<AnimalEvent>(new DogBarked("fido", 9), new PublishOptions { Topic = "kennel", CorrelationId = "walk-2" });

        var drain = bus.CompleteAsync();
        var received = new List<(AnimalEvent Event, EventContext Context)>();
        await foreach (var (animal, context) in stream)
        {
            received.Add((animal, context));
        }

        received.Select(r => r.Event).Should().Equal(new AnimalEvent("rex"), new DogBarked("fido", 9));
        received.Select(r => r.Context.CorrelationId).Should().Equal("walk-1", "walk-2");
        received.Should().AllSatisfy(r => r.Context.Topic.Should().Be("kennel"));
        received[0].Context.Headers.Should().Contain("tenant", "t-1");
        received[0].Context.Id.Should().NotBe(received[1].Context.Id);
        (await Wait.For(drain, "the drain")).Delivered.Should().Be(2);
    }

    [Theory]
    [InlineData(ReaderStop.Break)]
    [InlineData(ReaderStop.Throw)]
    [InlineData(ReaderStop.DisposeEnumerator)]
    public async Task A_reader_that_stops_early_disposes_its_subscription_and_every_event_is_accounted_for(ReaderStop how)
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 4 });
        var subscription = bus.Subscriptions.Single();
        var publisher = PublishAsync(bus, 8);
        var read = new List<int>();

        if (how == ReaderStop.DisposeEnumerator)
        {
            var reader = stream.GetAsyncEnumerator();
            while (read.Count < 3 && await reader.MoveNextAsync())
            {
                read.Add(reader.Current);
            }

            await Wait.For(publisher, "the publisher, whose events fill the buffer behind the reader");
            await WaitForHandOff(subscription);
            await Wait.For(reader.DisposeAsync(), "the enumerator's DisposeAsync");
        }
        else
        {
            var loop = async () =>
            {
                await foreach (var item in stream)
                {
                    read.Add(item);
                    if (read.Count == 3)
                    {
                        await Wait.For(publisher, "the publisher, whose events fill the buffer behind the reader");
                        await WaitForHandOff(subscription);
                        if (how == ReaderStop.Throw)
                        {
                            throw new InvalidOperationException("the loop body failed");
                        }

                        break;
                    }
                }
            };

            if (how == ReaderStop.Throw)
            {
                await loop.Should().ThrowAsync<InvalidOperationException>().WithMessage("the loop body failed");
            }
            else
            {
                await loop();
            }
        }

        read.Should().Equal(0, 1, 2);
        subscription.IsActive.Should().BeFalse("the stream's subscription is disposed when its reader stops");
        bus.Subscriptions.Should().BeEmpty();
        ShouldHaveStoppedBehindAFullBuffer(subscription);
    }

    [Fact]
    public async Task An_event_the_reader_took_just_before_it_stopped_counts_delivered_never_abandoned()
    {
        // The race this guards: the engine counts an event right after the hand-off returns, possibly on
        // another thread than the reader's, which may already be stopping. It seldom lands, so this is a
        // guard over many short rounds, not a proof: each hands one event straight to a waiting reader that
        // stops at once, with a second event in the hand-off behind it.
        await using var bus = CreateBus();
        for (var round = 0; round < 200; round++)
        {
            var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = $"round-{round}" });
            var subscription = bus.Subscriptions.Single();
            var reader = stream.GetAsyncEnumerator();
            var next = reader.MoveNextAsync();
            await bus.PublishAsync(round);
            await bus.PublishAsync(-1);

            (await Wait.For(next, "the handed event")).Should().BeTrue();
            reader.Current.Should().Be(round);
            await Wait.For(reader.DisposeAsync(), "the enumerator's DisposeAsync");

            var statistics = subscription.GetStatistics();
            statistics.Delivered.Should().Be(1, "round {0}: the reader had the event", round);
            statistics.ShouldBalance(2, $"round {round}'s subscription");
        }

        _drops.Select(d => (int)d.Event!).Should().OnlyContain(value => value == -1, "only the second event of each round is lost");
    }

    [Theory]
    [InlineData(Cancellation.FromInsideTheLoop)]
    [InlineData(Cancellation.WhileTheLoopBodyRuns)]
    [InlineData(Cancellation.ThroughWithCancellation)]
    public async Task Cancelling_the_token_disposes_the_subscription_and_the_loop_throws(Cancellation how)
    {
        await using var bus = CreateBus();
        using var cancellation = new CancellationTokenSource();
        var stream = how == Cancellation.ThroughWithCancellation
            ? bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 4 }).WithCancellation(cancellation.Token)
            : bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 4 }, cancellation.Token).WithCancellation(default);
        var subscription = bus.Subscriptions.Single();
        var publisher = PublishAsync(bus, 8);
        var read = new List<int>();

        var loop = async () =>
        {
            await foreach (var item in stream)
            {
                read.Add(item);
                if (read.Count < 3)
                {
                    continue;
                }

                await Wait.For(publisher, "the publisher, whose events fill the buffer behind the reader");
                await WaitForHandOff(subscription);
                if (how == Cancellation.WhileTheLoopBodyRuns)
                {
                    // The body ignores the token; the subscription is disposed anyway, before the next MoveNextAsync.
                    await Task.Run(cancellation.Cancel);
                    await Wait.Until(() => !subscription.IsActive && subscription.GetStatistics().Dropped == 4, "the subscription to be disposed");
                }
                else
                {
                    // On the reader's own thread: the token's callbacks run inline, here.
                    cancellation.Cancel();
                }
            }
        };

        (await loop.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(cancellation.Token);
        read.Should().Equal(0, 1, 2);
        await Wait.Until(() => bus.Subscriptions.Count == 0, "the stream's subscription to leave the bus");
        ShouldHaveStoppedBehindAFullBuffer(subscription);
    }

    [Fact]
    public async Task Cancelling_a_waiting_reader_ends_its_pending_MoveNextAsync()
    {
        await using var bus = CreateBus();
        using var cancellation = new CancellationTokenSource();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName }, cancellation.Token);
        var subscription = bus.Subscriptions.Single();
        await bus.PublishAsync(0);
        await using var reader = stream.GetAsyncEnumerator();
        (await reader.MoveNextAsync()).Should().BeTrue();

        var pending = reader.MoveNextAsync();
        pending.IsCompleted.Should().BeFalse("nothing more was published");
        await cancellation.CancelAsync();

        var next = async () => await pending;
        (await next.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(cancellation.Token);
        await Wait.Until(() => !subscription.IsActive && bus.Subscriptions.Count == 0, "the subscription to be disposed");
        subscription.GetStatistics().Delivered.Should().Be(1);
        subscription.GetStatistics().ShouldBalance(1);
        _drops.Should().BeEmpty();
    }

    [Fact]
    public async Task The_bus_completing_while_the_reader_waits_ends_the_loop_cleanly()
    {
        var bus = CreateBus();
        var stream = bus.StreamAsync<int>();
        await bus.PublishAsync(0);
        await using var reader = stream.GetAsyncEnumerator();
        (await reader.MoveNextAsync()).Should().BeTrue();
        var pending = reader.MoveNextAsync();
        pending.IsCompleted.Should().BeFalse("nothing more was published");

        var result = await Wait.For(bus.CompleteAsync(), "the drain");

        (await Wait.For(pending, "the pending MoveNextAsync")).Should().BeFalse("a completed bus ends the stream without an exception");
        (await reader.MoveNextAsync()).Should().BeFalse("an ended stream stays ended");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(1);
    }

    [Fact]
    public async Task The_bus_completing_delivers_every_buffered_event_to_the_reader_first()
    {
        var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Capacity = 4 });
        var subscription = bus.Subscriptions.Single();
        await FillAsync(bus, subscription, 5);

        var drain = bus.CompleteAsync();
        drain.IsCompleted.Should().BeFalse("the drain waits for the reader to take what the subscription accepted");
        var published = async () => await bus.PublishAsync(5);
        await published.Should().ThrowAsync<ObjectDisposedException>("the completing bus takes nothing more");

        var read = new List<int>();
        await foreach (var item in stream)
        {
            read.Add(item);
        }

        read.Should().Equal(0, 1, 2, 3, 4);
        var result = await Wait.For(drain, "the drain");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(5);
        _drops.Should().BeEmpty();
    }

    [Fact]
    public async Task A_drain_deadline_withdraws_the_event_in_hand_and_ends_the_loop_cleanly()
    {
        var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 4 });
        var subscription = bus.Subscriptions.Single();
        await FillAsync(bus, subscription, 3);
        await using var reader = stream.GetAsyncEnumerator();

        using var deadline = new CancellationTokenSource();
        var drain = bus.CompleteAsync(deadline.Token);
        await deadline.CancelAsync();
        var result = await Wait.For(drain, "the drain, at its deadline");

        (await Wait.For(reader.MoveNextAsync(), "the reader")).Should().BeFalse("the halted subscription ends the stream");
        result.Completed.Should().BeFalse();
        result.Abandoned.Should().Be(3, "the event in the hand-off and the two buffered behind it");
        _drops.Select(d => ((int)d.Event!, d.Reason)).Should().BeEquivalentTo(
            [(0, DropReason.Abandoned), (1, DropReason.Abandoned), (2, DropReason.Abandoned)]);
        subscription.GetStatistics().ShouldBalance(3);
    }

    [Fact]
    public async Task Disposing_the_bus_ends_the_loop_cleanly_and_counts_what_was_left()
    {
        var bus = CreateBus();
        var stream = bus.StreamAsync<int>(new SubscriptionOptions { Name = StreamName, Capacity = 4 });
        var subscription = bus.Subscriptions.Single();
        await FillAsync(bus, subscription, 4);
        var read = new List<int>();

        await foreach (var item in stream)
        {
            read.Add(item);
            if (read.Count == 1)
            {
                // The engine counts the event the reader took just after the hand-off, on its own thread; a halt in
                // between may count it abandoned, as EventStreams documents. This test is about the loop's end, so
                // it lets the count land first.
                await Wait.Until(() => subscription.GetStatistics().Delivered == 1, "the engine to count the event the reader took");
                bus.Dispose();
            }
        }

        read.Should().Equal(0);
        var statistics = subscription.GetStatistics();
        statistics.Delivered.Should().Be(1);
        statistics.Abandoned.Should().Be(3, "the disposed bus abandons the event in hand and the buffered ones");
        statistics.ShouldBalance(4);
    }

    [Fact]
    public async Task A_stream_started_after_the_bus_completed_throws_and_subscribes_nothing()
    {
        var bus = CreateBus();
        await bus.CompleteAsync();

        var plain = () => bus.StreamAsync<int>();
        var withContext = () => bus.StreamWithContextAsync<int>();

        plain.Should().Throw<ObjectDisposedException>().WithMessage("*completed*");
        withContext.Should().Throw<ObjectDisposedException>();
        bus.Subscriptions.Should().BeEmpty();

        var disposed = CreateBus();
        disposed.Dispose();
        var afterDispose = () => disposed.StreamAsync<int>();
        afterDispose.Should().Throw<ObjectDisposedException>().WithMessage("*disposed*");
    }

    [Fact]
    public async Task Bad_arguments_throw_at_the_call_and_subscribe_nothing()
    {
        await using var bus = CreateBus();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var noBus = () => EventStreams.StreamAsync<int>(null!);
        var noBusWithContext = () => EventStreams.StreamWithContextAsync<int>(null!);
        var inline = () => bus.StreamAsync<int>(new SubscriptionOptions { Mode = DeliveryMode.Inline });
        var parallel = () => bus.StreamWithContextAsync<int>(new SubscriptionOptions { MaxConcurrency = 2 });
        var alreadyCancelled = () => bus.StreamAsync<int>(cancellationToken: cancelled.Token);

        noBus.Should().Throw<ArgumentNullException>().WithParameterName("bus");
        noBusWithContext.Should().Throw<ArgumentNullException>().WithParameterName("bus");
        inline.Should().Throw<ArgumentException>().WithParameterName("options").WithMessage("*Queued*");
        parallel.Should().Throw<ArgumentException>().WithParameterName("options").WithMessage("*MaxConcurrency*");
        alreadyCancelled.Should().Throw<OperationCanceledException>();
        bus.Subscriptions.Should().BeEmpty("a refused call subscribes nothing");
    }

    [Fact]
    public async Task A_stream_is_enumerated_once_and_a_second_enumerator_loses_nothing()
    {
        await using var bus = CreateBus();
        var stream = bus.StreamAsync<int>();
        await using var first = stream.GetAsyncEnumerator();

        var second = () => stream.GetAsyncEnumerator();
        second.Should().Throw<InvalidOperationException>().WithMessage("*only once*");

        await bus.PublishAsync(1);
        await bus.PublishAsync(2);
        var drain = bus.CompleteAsync();
        (await ReadAllAsync(first)).Should().Equal(1, 2);
        (await Wait.For(drain, "the drain")).Delivered.Should().Be(2);
    }

    [Fact]
    public async Task Misusing_the_enumerator_throws_clear_exceptions()
    {
        await using var bus = CreateBus();
        var reader = bus.StreamAsync<int>().GetAsyncEnumerator();

        var pending = reader.MoveNextAsync();
        var overlapping = () => reader.MoveNextAsync();
        overlapping.Should().Throw<InvalidOperationException>().WithMessage("*still pending*");

        await reader.DisposeAsync();
        (await Wait.For(pending, "the MoveNextAsync pending at the dispose")).Should().BeFalse();
        var afterDispose = () => reader.MoveNextAsync();
        afterDispose.Should().Throw<ObjectDisposedException>();
        bus.Subscriptions.Should().BeEmpty();
    }

    /// <summary>The outcome of a stop after the reader took 0, 1 and 2, with 3 in the hand-off and 4 to 7
    /// buffered behind it (capacity 4).</summary>
    private void ShouldHaveStoppedBehindAFullBuffer(IEventSubscription subscription)
    {
        var statistics = subscription.GetStatistics();
        statistics.Delivered.Should().Be(3, "an event counts delivered once the reader has it, and only then");
        statistics.Abandoned.Should().Be(1, "the event waiting in the hand-off");
        statistics.Dropped.Should().Be(4, "the buffered events, discarded by the unsubscription");
        statistics.ShouldBalance(8);
        _drops.Where(d => d.Reason == DropReason.Abandoned).Select(d => (int)d.Event!).Should().Equal(3);
        _drops.Where(d => d.Reason == DropReason.Unsubscribed).Select(d => (int)d.Event!).Should().Equal(4, 5, 6, 7);
        _drops.Should().HaveCount(5);
    }

    /// <summary>Publishes <paramref name="count"/> events, the rest only once the stream's handler holds the
    /// first, so they fill the buffer deterministically.</summary>
    private static async Task FillAsync(IEventBus bus, IEventSubscription subscription, int count)
    {
        await bus.PublishAsync(0);
        await WaitForHandOff(subscription);
        for (var i = 1; i < count; i++)
        {
            await bus.PublishAsync(i);
        }
    }

    /// <summary>Waits until the stream's handler call has begun on an event, so a halt claims it (abandoned)
    /// rather than finding it still unstarted.</summary>
    private static Task WaitForHandOff(IEventSubscription subscription) =>
        Wait.Until(() => ((global::EventBus.PubSub.Subscription<int>)subscription).Consumer.InFlight == 1, "the stream's handler to hold an event");

    private static Task PublishAsync(IEventBus bus, int count) => Task.Run(async () =>
    {
        for (var i = 0; i < count; i++)
        {
            await bus.PublishAsync(i);
        }
    });

    private static async Task<List<int>> ReadAllAsync(IAsyncEnumerator<int> reader)
    {
        var read = new List<int>();
        while (await Wait.For(reader.MoveNextAsync(), "the next event or the end"))
        {
            read.Add(reader.Current);
        }

        return read;
    }

    private IEventBus CreateBus() => EventBusFactory.Create(new EventBusOptions
    {
        DrainTimeout = TimeSpan.FromSeconds(30),
        OnDropped = _drops.Enqueue,
    });
}
