using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>
/// The publish/subscribe contract that every delivery mode must honour. Each mode inherits the
/// whole suite (as the Channels tests do with <c>ChannelTestBase</c>).
/// </summary>
public abstract class PubSubContractTests : IAsyncLifetime
{
    private readonly DeadLetterQueue _deadLetters = new();
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();

    protected PubSubContractTests()
    {
        Bus = EventBusFactory.Create(new EventBusOptions
        {
            TimeProvider = Time,
            DeadLetterSink = _deadLetters,
            OnDropped = _drops.Enqueue,
        });
    }

    protected abstract DeliveryMode Mode { get; }

    protected TestTimeProvider Time { get; } = new();

    protected IEventBus Bus { get; }

    protected DeadLetterQueue DeadLetters => _deadLetters;

    protected IReadOnlyList<DroppedEvent> Drops => [.. _drops];

    protected static RetryPolicy NoDelayRetries(int retries) => new() { MaxRetries = retries, BaseDelay = TimeSpan.Zero, Jitter = 0 };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Bus.DisposeAsync();

    protected SubscriptionOptions Options(Action<SubscriptionOptions>? configure = null)
    {
        var options = new SubscriptionOptions { Mode = Mode };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Every_subscriber_gets_every_event_exactly_once_in_each_publishers_order()
    {
        const int publishers = 4;
        const int subscribers = 8;
        const int perPublisher = 10_000;
        var recorders = Enumerable.Range(0, subscribers).Select(_ => new Recorder<Ping>(publishers * perPublisher)).ToArray();
        var subscriptions = recorders.Select(recorder => Bus.Subscribe<Ping>(recorder.Record, Options())).ToArray();

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await Bus.PublishAsync(new Ping(p, i));
            }
        })));

        foreach (var recorder in recorders)
        {
            await recorder.WaitAsync("every event at every subscriber");
            var received = recorder.Items;
            received.Should().HaveCount(publishers * perPublisher).And.OnlyHaveUniqueItems();
            for (var p = 0; p < publishers; p++)
            {
                var publisher = p;
                received.Where(e => e.Publisher == publisher).Select(e => e.Sequence)
                    .Should().Equal(Enumerable.Range(0, perPublisher), "events from one publisher arrive in publish order");
            }
        }

        var drained = await Wait.For(Bus.CompleteAsync().AsTask(), "the drain");
        drained.ShouldBalance(subscribers * publishers * perPublisher);
        foreach (var subscription in subscriptions)
        {
            subscription.GetStatistics().ShouldBalance(publishers * perPublisher);
        }
    }

    [Fact]
    public async Task Sync_async_and_context_handlers_all_receive_the_event()
    {
        var countdown = new Countdown(4);
        var received = new ConcurrentBag<string>();
        Bus.Subscribe<Ping>(_ => { received.Add("sync"); countdown.Signal(); }, Options());
        Bus.Subscribe<Ping>((_, _) => { received.Add("sync+context"); countdown.Signal(); }, Options());
        Bus.Subscribe<Ping>(async (_, _) => { await Task.Yield(); received.Add("async"); countdown.Signal(); }, Options());
        Bus.Subscribe<Ping>(async (_, _, _) => { await Task.Yield(); received.Add("async+context"); countdown.Signal(); }, Options());

        await Bus.PublishAsync(new Ping(0, 1));

        await countdown.WaitAsync("all four handler shapes");
        received.Should().BeEquivalentTo("sync", "sync+context", "async", "async+context");
    }

    [Fact]
    public async Task A_topic_subscription_gets_only_its_topic_and_a_topicless_one_gets_every_topic()
    {
        var users = new Recorder<Ping>(2);
        var all = new Recorder<Ping>(3);
        Bus.Subscribe<Ping>(users.Record, Options(o => o.Topic = "user-events"));
        Bus.Subscribe<Ping>(all.Record, Options());

        await Bus.PublishAsync(new Ping(0, 1), PublishOptions.ForTopic("user-events"));
        await Bus.PublishAsync(new Ping(0, 2), PublishOptions.ForTopic("order-events"));
        await Bus.GetPublisher<Ping>("user-events").PublishAsync(new Ping(0, 3));

        await all.WaitAsync();
        await users.WaitAsync();
        users.Items.Select(p => p.Sequence).Should().BeEquivalentTo([1, 3]);
        all.Items.Select(p => p.Sequence).Should().BeEquivalentTo([1, 2, 3]);
    }

    [Fact]
    public async Task A_topic_subscription_does_not_get_events_published_without_a_topic()
    {
        var topical = new Recorder<Ping>();
        var marker = new Recorder<Ping>(2);
        Bus.Subscribe<Ping>(topical.Record, Options(o => o.Topic = "user-events"));
        Bus.Subscribe<Ping>(marker.Record, Options());

        await Bus.PublishAsync(new Ping(0, 1));
        await Bus.PublishAsync(new Ping(0, 2), PublishOptions.ForTopic("user-events"));

        await marker.WaitAsync();
        await Bus.CompleteAsync();
        topical.Items.Select(p => p.Sequence).Should().Equal(2);
    }

    [Fact]
    public async Task Subscriptions_to_base_classes_and_interfaces_receive_derived_events()
    {
        var asAnimal = new Recorder<AnimalEvent>(3);
        var asInterface = new Recorder<IAnimalEvent>(3);
        var asObject = new Recorder<object>(3);
        var asDog = new Recorder<DogBarked>(2);
        var asPuppy = new Recorder<PuppyYipped>(1);
        Bus.Subscribe<AnimalEvent>(asAnimal.Record, Options());
        Bus.Subscribe<IAnimalEvent>(asInterface.Record, Options());
        Bus.Subscribe<object>(asObject.Record, Options());
        Bus.Subscribe<DogBarked>(asDog.Record, Options());
        Bus.Subscribe<PuppyYipped>(asPuppy.Record, Options());

        await Bus.PublishAsync(new AnimalEvent("generic"));
        await Bus.PublishAsync(new DogBarked("rex", 7));

        // Published through a base-typed variable: routed by its run-time type.
        AnimalEvent puppy = new PuppyYipped("bit", 2);
        await Bus.PublishAsync(puppy);

        await Task.WhenAll(asAnimal.WaitAsync(), asInterface.WaitAsync(), asObject.WaitAsync(), asDog.WaitAsync(), asPuppy.WaitAsync());
        await Bus.CompleteAsync();
        asAnimal.Items.Select(a => a.Name).Should().BeEquivalentTo(["generic", "rex", "bit"]);
        asInterface.Items.Select(a => a.Name).Should().BeEquivalentTo(["generic", "rex", "bit"]);
        asObject.Items.Should().HaveCount(3);
        asDog.Items.Select(a => a.Name).Should().BeEquivalentTo(["rex", "bit"]);
        asPuppy.Items.Select(a => a.Name).Should().Equal("bit");
    }

    [Fact]
    public async Task Struct_events_reach_exact_and_boxed_subscriptions()
    {
        var exact = new Recorder<Tick>(2);
        var boxed = new Recorder<object>(2);
        Bus.Subscribe<Tick>(exact.Record, Options());
        Bus.Subscribe<object>(boxed.Record, Options());

        await Bus.PublishAsync(new Tick(1));
        Bus.Publish(new Tick(2));

        await exact.WaitAsync();
        await boxed.WaitAsync();
        exact.Items.Should().BeEquivalentTo([new Tick(1), new Tick(2)]);
        boxed.Items.Should().BeEquivalentTo(new object[] { new Tick(1), new Tick(2) });
    }

    [Fact]
    public async Task A_handler_taking_the_context_sees_id_timestamp_topic_correlation_and_headers()
    {
        var contexts = new Recorder<EventContext>(2);
        Bus.Subscribe<Ping>((_, context) => contexts.Record(context), Options(o => o.Topic = "user-events"));
        var headers = new Dictionary<string, string> { ["tenant"] = "acme" };

        await Bus.PublishAsync(new Ping(0, 1), new PublishOptions { Topic = "user-events", CorrelationId = "order-42", Headers = headers });
        Time.Advance(TimeSpan.FromMinutes(1));
        await Bus.PublishAsync(new Ping(0, 2), PublishOptions.ForTopic("user-events"));

        await contexts.WaitAsync();
        var first = contexts.Items.Single(c => c.CorrelationId is not null);
        var second = contexts.Items.Single(c => c.CorrelationId is null);
        first.Id.Should().NotBe(Guid.Empty).And.NotBe(second.Id);
        first.Timestamp.Should().Be(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        second.Timestamp.Should().Be(first.Timestamp.AddMinutes(1));
        first.Topic.Should().Be("user-events");
        first.EventType.Should().Be<Ping>();
        first.CorrelationId.Should().Be("order-42");
        first.Headers.Should().Contain("tenant", "acme");
        second.Headers.Should().BeEmpty();
    }

    [Fact]
    public async Task A_relayed_event_keeps_the_id_and_time_it_was_published_with()
    {
        var contexts = new Recorder<EventContext>(2);
        Bus.Subscribe<Ping>((_, context) => contexts.Record(context), Options());
        var id = Guid.Parse("7d5c1a52-27b4-4c6e-9a38-0f3c2a9d4e11");
        var happened = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var relayed = new PublishOptions { Id = id, Timestamp = happened };

        // The same options twice: a redelivery of one message is the same event to a handler that deduplicates.
        await Bus.PublishAsync(new Ping(0, 1), relayed);
        Bus.Publish(new Ping(0, 1), relayed);

        await contexts.WaitAsync();
        contexts.Items.Should().HaveCount(2).And.OnlyContain(context => context.Id == id && context.Timestamp == happened);
    }

    [Fact]
    public async Task Sync_publish_and_typed_publishers_deliver_like_PublishAsync()
    {
        var recorder = new Recorder<Ping>(4);
        Bus.Subscribe<Ping>(recorder.Record, Options());
        var publisher = Bus.GetPublisher<Ping>();

        Bus.Publish(new Ping(0, 1));
        await Bus.PublishAsync(new Ping(0, 2));
        publisher.Publish(new Ping(0, 3));
        await publisher.PublishAsync(new Ping(0, 4));

        await recorder.WaitAsync();
        recorder.Items.Select(p => p.Sequence).Should().Equal(1, 2, 3, 4);
        publisher.Topic.Should().BeNull();
    }

    [Fact]
    public async Task Publishing_with_no_subscribers_is_a_no_op()
    {
        await Bus.PublishAsync(new Ping(0, 1));
        Bus.Publish(new Ping(0, 2));
        var result = await Bus.CompleteAsync();
        result.Delivered.Should().Be(0);
        result.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task A_throwing_subscriber_does_not_affect_the_others_and_is_retried_then_dead_lettered()
    {
        const int events = 20;
        var healthy = new Recorder<Ping>(events);
        var syncAttempts = 0;
        var asyncAttempts = 0;
        var deadLettered = new Countdown(2 * events);
        DeadLetters.Added += _ => deadLettered.Signal();
        Bus.Subscribe<Ping>(_ =>
        {
            Interlocked.Increment(ref syncAttempts);
            throw new InvalidOperationException("sync failure");
        }, Options(o => { o.Name = "sync-thrower"; o.RetryPolicy = NoDelayRetries(2); }));
        Bus.Subscribe<Ping>(async (_, _) =>
        {
            Interlocked.Increment(ref asyncAttempts);
            await Task.Yield();
            throw new InvalidOperationException("async failure");
        }, Options(o => { o.Name = "async-thrower"; o.RetryPolicy = NoDelayRetries(2); }));
        Bus.Subscribe<Ping>(healthy.Record, Options());

        for (var i = 0; i < events; i++)
        {
            await Bus.PublishAsync(new Ping(0, i));
        }

        await healthy.WaitAsync("the healthy subscriber's events");
        await deadLettered.WaitAsync("dead letters of both throwing subscribers");
        healthy.Items.Select(p => p.Sequence).Should().BeEquivalentTo(Enumerable.Range(0, events));
        Volatile.Read(ref syncAttempts).Should().Be(3 * events, "each event is tried once and retried twice");
        Volatile.Read(ref asyncAttempts).Should().Be(3 * events);

        var letters = DeadLetters.ToList();
        letters.Should().HaveCount(2 * events);
        letters.Should().OnlyContain(l => l.Attempts == 3);
        letters.Where(l => l.Source == "sync-thrower").Select(l => ((Ping)l.Message).Sequence)
            .Should().BeEquivalentTo(Enumerable.Range(0, events));
        letters.Where(l => l.Source == "async-thrower").Should().OnlyContain(l => l.Exception.Message == "async failure");
        letters.Should().OnlyContain(l => l.Context != null && l.Context.Id != Guid.Empty);

        var stats = Bus.Subscriptions.Single(s => s.Name == "sync-thrower").GetStatistics();
        stats.FailedAttempts.Should().Be(3 * events);
        stats.Retried.Should().Be(2 * events);
        stats.DeadLettered.Should().Be(events);
        stats.Delivered.Should().Be(0);
    }

    [Fact]
    public async Task A_dead_letter_keeps_the_publishers_correlation_id_and_headers_when_no_handler_takes_a_context()
    {
        var deadLettered = new Countdown(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        Bus.Subscribe<Ping>(_ => throw new InvalidOperationException("bare handler failure"), Options(o => o.RetryPolicy = RetryPolicy.None));
        var headers = new Dictionary<string, string> { ["tenant"] = "acme" };

        await Bus.PublishAsync(new Ping(0, 1), new PublishOptions { CorrelationId = "order-42", Headers = headers });

        await deadLettered.WaitAsync("the dead letter");
        var context = DeadLetters.ToList().Single().Context;
        context.Should().NotBeNull();
        context!.CorrelationId.Should().Be("order-42");
        context.Headers.Should().Contain("tenant", "acme");
    }

    [Fact]
    public async Task A_failure_that_ShouldRetry_rejects_is_dead_lettered_without_retries()
    {
        var attempts = 0;
        var deadLettered = new Countdown(2);
        DeadLetters.Added += _ => deadLettered.Signal();
        var policy = NoDelayRetries(5).WithShouldRetry(ex => ex is not ArgumentException);
        Bus.Subscribe<Ping>(ping =>
        {
            Interlocked.Increment(ref attempts);
            throw ping.Sequence == 1 ? new ArgumentException("permanent") : new InvalidOperationException("transient");
        }, Options(o => o.RetryPolicy = policy));

        await Bus.PublishAsync(new Ping(0, 1));
        await Bus.PublishAsync(new Ping(0, 2));

        await deadLettered.WaitAsync("both dead letters");
        DeadLetters.ToList().Select(l => (((Ping)l.Message).Sequence, l.Attempts)).Should().BeEquivalentTo([(1, 1), (2, 6)]);
        Volatile.Read(ref attempts).Should().Be(7);
    }

    [Fact]
    public async Task A_handler_exception_never_reaches_the_publisher()
    {
        var failures = new Countdown(1);
        DeadLetters.Added += _ => failures.Signal();
        Bus.Subscribe<Ping>(_ => throw new InvalidOperationException("boom"), Options(o => o.RetryPolicy = RetryPolicy.None));

        var publishAsync = async () => await Bus.PublishAsync(new Ping(0, 1));
        await publishAsync.Should().NotThrowAsync();
        await failures.WaitAsync("the dead letter");
        var publishSync = () => Bus.Publish(new Ping(0, 2));
        publishSync.Should().NotThrow();
    }

    [Fact]
    public async Task A_handler_that_fails_then_succeeds_is_delivered_once()
    {
        var attempts = 0;
        var delivered = new Countdown(1);
        Bus.Subscribe<Ping>(_ =>
        {
            if (Interlocked.Increment(ref attempts) < 3)
            {
                throw new InvalidOperationException("transient");
            }

            delivered.Signal();
        }, Options(o => o.RetryPolicy = NoDelayRetries(5)));

        await Bus.PublishAsync(new Ping(0, 1));

        await delivered.WaitAsync("the third attempt");
        var result = await Bus.CompleteAsync();
        Volatile.Read(ref attempts).Should().Be(3);
        result.Delivered.Should().Be(1);
        result.DeadLettered.Should().Be(0);
        DeadLetters.Count.Should().Be(0);
    }

    [Fact]
    public async Task Disposing_a_subscription_from_inside_its_handler_stops_further_delivery()
    {
        var received = new ConcurrentQueue<int>();
        var third = new Countdown(1);
        IEventSubscription? subscription = null;
        subscription = Bus.Subscribe<Ping>(ping =>
        {
            received.Enqueue(ping.Sequence);
            if (ping.Sequence == 3)
            {
                subscription!.Dispose();
                third.Signal();
            }
        }, Options());
        var marker = new Recorder<Ping>(10);
        Bus.Subscribe<Ping>(marker.Record, Options());

        for (var i = 1; i <= 10; i++)
        {
            await Bus.PublishAsync(new Ping(0, i));
        }

        await third.WaitAsync("the disposing event");
        await marker.WaitAsync();
        await Bus.CompleteAsync();
        received.Should().Equal(1, 2, 3);
        subscription.IsActive.Should().BeFalse();
        Bus.Subscriptions.Should().ContainSingle();
    }

    [Fact]
    public async Task A_subscription_made_during_a_publish_gets_later_events_but_not_the_current_one()
    {
        var late = new Recorder<Ping>(1);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Bus.Subscribe<Ping>(ping =>
        {
            if (ping.Sequence == 1)
            {
                Bus.Subscribe<Ping>(late.Record, Options());
                first.TrySetResult();
            }
        }, Options());

        await Bus.PublishAsync(new Ping(0, 1));
        await Wait.For(first.Task, "the subscribing handler");
        await Bus.PublishAsync(new Ping(0, 2));

        await late.WaitAsync();
        await Bus.CompleteAsync();
        late.Items.Select(p => p.Sequence).Should().Equal(2);
    }

    [Fact]
    public async Task After_Dispose_returns_new_publishes_do_not_reach_the_handler()
    {
        var received = new Recorder<Ping>(1);
        var subscription = Bus.Subscribe<Ping>(received.Record, Options());
        var marker = new Recorder<Ping>(2);
        Bus.Subscribe<Ping>(marker.Record, Options());

        await Bus.PublishAsync(new Ping(0, 1));
        await received.WaitAsync("the first delivery");
        subscription.Dispose();
        subscription.Dispose();
        await Bus.PublishAsync(new Ping(0, 2));

        await marker.WaitAsync();
        await Bus.CompleteAsync();
        received.Items.Select(p => p.Sequence).Should().Equal(1);
        subscription.IsActive.Should().BeFalse();
        subscription.GetStatistics().Delivered.Should().Be(1);
    }

    [Fact]
    public async Task Unsubscribed_handlers_stop_receiving_while_others_continue()
    {
        var gone = new ConcurrentQueue<int>();
        var stays = new Recorder<Ping>(2);
        var subscription = Bus.Subscribe<Ping>(ping => gone.Enqueue(ping.Sequence), Options());
        Bus.Subscribe<Ping>(stays.Record, Options());

        await Bus.PublishAsync(new Ping(0, 1));
        await subscription.DisposeAsync();
        await Bus.PublishAsync(new Ping(0, 2));

        await stays.WaitAsync();
        gone.Should().Equal(1);
    }

    [Fact]
    public async Task DisposeAsync_of_a_subscription_finishes_what_it_accepted()
    {
        var received = new ConcurrentQueue<int>();
        var subscription = Bus.Subscribe<Ping>(async (ping, _) =>
        {
            await Task.Yield();
            received.Enqueue(ping.Sequence);
        }, Options());

        for (var i = 0; i < 100; i++)
        {
            await Bus.PublishAsync(new Ping(0, i));
        }

        await Wait.For(subscription.DisposeAsync(), "the subscription's drain");
        received.Should().Equal(Enumerable.Range(0, 100));
        subscription.GetStatistics().Delivered.Should().Be(100);
    }

    [Fact]
    public async Task CompleteAsync_delivers_everything_accepted_and_reports_the_totals()
    {
        var received = 0;
        Bus.Subscribe<Ping>(async (_, _) =>
        {
            await Task.Yield();
            Interlocked.Increment(ref received);
        }, Options());
        Bus.Subscribe<Ping>(_ => Interlocked.Increment(ref received), Options());

        for (var i = 0; i < 500; i++)
        {
            await Bus.PublishAsync(new Ping(0, i));
        }

        var result = await Wait.For(Bus.CompleteAsync(), "the drain");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(1000);
        result.Abandoned.Should().Be(0);
        Volatile.Read(ref received).Should().Be(1000);
        (await Bus.CompleteAsync()).Should().BeSameAs(result, "CompleteAsync is idempotent");
    }

    [Fact]
    public async Task Publishing_after_completion_or_disposal_throws_ObjectDisposedException()
    {
        Bus.Subscribe<Ping>(_ => { }, Options());
        await Bus.CompleteAsync();

        var publishAsync = async () => await Bus.PublishAsync(new Ping(0, 1));
        await publishAsync.Should().ThrowAsync<ObjectDisposedException>().WithMessage("*completed*");
        var publish = () => Bus.Publish(new Ping(0, 1));
        publish.Should().Throw<ObjectDisposedException>();
        var subscribe = () => Bus.Subscribe<Ping>(_ => { }, Options());
        subscribe.Should().Throw<ObjectDisposedException>();

        await Bus.DisposeAsync();
        var afterDispose = async () => await Bus.PublishAsync(new Ping(0, 1));
        await afterDispose.Should().ThrowAsync<ObjectDisposedException>().WithMessage("*disposed*");
    }

    [Fact]
    public async Task A_typed_publisher_throws_after_the_bus_is_disposed()
    {
        var publisher = Bus.GetPublisher<Ping>();
        Bus.Dispose();
        var publish = async () => await publisher.PublishAsync(new Ping(0, 1));
        await publish.Should().ThrowAsync<ObjectDisposedException>();
        var getPublisher = () => Bus.GetPublisher<Ping>();
        getPublisher.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task Null_events_and_handlers_throw_ArgumentNullException()
    {
        var publishAsync = async () => await Bus.PublishAsync<Ping>(null!);
        await publishAsync.Should().ThrowAsync<ArgumentNullException>().WithParameterName("event");
        var publishWithOptions = async () => await Bus.PublishAsync<Ping>(null!, PublishOptions.ForTopic("t"));
        await publishWithOptions.Should().ThrowAsync<ArgumentNullException>();
        var publish = () => Bus.Publish<Ping>(null!);
        publish.Should().Throw<ArgumentNullException>();
        var typed = () => Bus.GetPublisher<Ping>().Publish(null!);
        typed.Should().Throw<ArgumentNullException>();
        var typedAsync = async () => await Bus.GetPublisher<Ping>().PublishAsync(null!);
        await typedAsync.Should().ThrowAsync<ArgumentNullException>();

        var subscribe = () => Bus.Subscribe((Action<Ping>)null!, Options());
        subscribe.Should().Throw<ArgumentNullException>().WithParameterName("handler");
        var subscribeAsync = () => Bus.Subscribe((Func<Ping, CancellationToken, ValueTask>)null!, Options());
        subscribeAsync.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task Logs_never_contain_the_payload()
    {
        var logs = new CollectingLoggerFactory();
        var deadLettered = new Countdown(1);
        var sink = new DeadLetterQueue();
        sink.Added += _ => deadLettered.Signal();
        await using var bus = EventBusFactory.Create(new EventBusOptions { LoggerFactory = logs, DeadLetterSink = sink });
        bus.Subscribe<Secret>(_ => throw new InvalidOperationException("handler failed"), new SubscriptionOptions
        {
            Mode = Mode,
            Name = "auditor",
            RetryPolicy = NoDelayRetries(1),
        });

        await bus.PublishAsync(new Secret("hunter2"));

        await deadLettered.WaitAsync("the dead letter");
        await bus.CompleteAsync();
        logs.Entries.Should().Contain(e => e.EventId.Id == 1001 && e.Message.Contains("auditor") && e.Message.Contains("Secret"));
        logs.Entries.Should().Contain(e => e.EventId.Id == 1002);
        logs.Entries.Should().NotContain(e => e.Message.Contains("hunter2"));
    }
}

public sealed class QueuedDeliveryContractTests : PubSubContractTests
{
    protected override DeliveryMode Mode => DeliveryMode.Queued;
}

public sealed class InlineDeliveryContractTests : PubSubContractTests
{
    protected override DeliveryMode Mode => DeliveryMode.Inline;
}
