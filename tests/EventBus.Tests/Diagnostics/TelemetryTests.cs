using System.Diagnostics;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Diagnostics;

/// <summary>Spans and instruments follow the OpenTelemetry messaging conventions, with the
/// publisher's trace reaching every handler attempt.</summary>
public sealed class TelemetryTests : IDisposable
{
    private readonly TelemetryCollector _telemetry = new();

    public void Dispose() => _telemetry.Dispose();

    private static object? Tag(Activity activity, string name) => activity.TagObjects.FirstOrDefault(t => t.Key == name).Value;

    [Fact]
    public async Task A_trace_started_before_PublishAsync_is_found_on_the_handlers_span()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });
        var handled = new Countdown(1);
        bus.Subscribe<Ping>(_ => handled.Signal(), new SubscriptionOptions { Name = "audit" });

        Activity request;
        using (request = _telemetry.StartTrace("POST /orders"))
        {
            await bus.PublishAsync(new Ping(0, 1));
        }

        await handled.WaitAsync("the handler");
        await bus.CompleteAsync();
        var publish = _telemetry.Spans.Single(s => s.OperationName == "publish Ping");
        var process = _telemetry.Spans.Single(s => s.OperationName == "process Ping");

        publish.Kind.Should().Be(ActivityKind.Producer);
        publish.ParentSpanId.Should().Be(request.SpanId, "the publish span is a child of the caller's span");
        Tag(publish, "messaging.system").Should().Be("eventbus");
        Tag(publish, "messaging.operation.name").Should().Be("publish");
        Tag(publish, "messaging.operation.type").Should().Be("send");
        Tag(publish, "messaging.destination.name").Should().Be("Ping");

        process.Kind.Should().Be(ActivityKind.Consumer);
        process.Links.Should().ContainSingle().Which.Context.Should().Be(publish.Context, "the process span links to the publisher");
        process.Links.Single().Context.TraceId.Should().Be(request.TraceId, "the caller's trace reaches the handler's span");
        Tag(process, "messaging.operation.name").Should().Be("process");
        Tag(process, "messaging.operation.type").Should().Be("process");
        Tag(process, "messaging.destination.subscription.name").Should().Be("audit");
        Tag(process, "messaging.eventbus.message.delivery_attempt").Should().Be(1);
        Tag(process, "messaging.message.id").Should().NotBeNull().And.Be(Tag(publish, "messaging.message.id"));
    }

    [Fact]
    public async Task Process_spans_can_be_parented_on_the_publisher_instead_of_linked()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory, LinkProcessSpans = false });
        var handled = new Countdown(1);
        bus.Subscribe<Ping>(_ => handled.Signal());

        using (_telemetry.StartTrace("job"))
        {
            await bus.PublishAsync(new Ping(0, 1));
        }

        await handled.WaitAsync("the handler");
        await bus.CompleteAsync();
        var publish = _telemetry.Spans.Single(s => s.OperationName == "publish Ping");
        var process = _telemetry.Spans.Single(s => s.OperationName == "process Ping");
        process.ParentSpanId.Should().Be(publish.SpanId);
        process.TraceId.Should().Be(publish.TraceId);
        process.Links.Should().BeEmpty();
    }

    [Fact]
    public async Task Every_retry_gets_its_own_span_with_its_attempt_number_and_error_type()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });
        var attempts = 0;
        var done = new Countdown(1);
        bus.Subscribe<Ping>(_ =>
        {
            if (Interlocked.Increment(ref attempts) < 3)
            {
                throw new TimeoutException("transient");
            }

            done.Signal();
        }, new SubscriptionOptions { RetryPolicy = new RetryPolicy { MaxRetries = 5, BaseDelay = TimeSpan.Zero } });

        using (_telemetry.StartTrace("retrying"))
        {
            await bus.PublishAsync(new Ping(0, 1), PublishOptions.ForTopic("user-events"));
        }

        await done.WaitAsync("the third attempt");
        await bus.CompleteAsync();
        var publish = _telemetry.Spans.Single(s => s.OperationName == "publish user-events");
        var processes = _telemetry.Spans.Where(s => s.OperationName == "process user-events")
            .OrderBy(s => Tag(s, "messaging.eventbus.message.delivery_attempt")).ToList();
        processes.Select(s => Tag(s, "messaging.eventbus.message.delivery_attempt")).Should().Equal(1, 2, 3);
        processes.Should().OnlyContain(s => s.Links.Single().Context == publish.Context, "every attempt links to the same publish, across the retries");
        processes.Take(2).Should().OnlyContain(s => s.Status == ActivityStatusCode.Error && (string?)Tag(s, "error.type") == typeof(TimeoutException).FullName);
        processes[2].Status.Should().Be(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task A_work_queue_reports_its_enqueue_and_its_attempts_under_its_name()
    {
        var done = new Countdown(1);
        var failedOnce = 0;
        var queue = WorkQueue.Create<Ping>(_ =>
        {
            if (Interlocked.Exchange(ref failedOnce, 1) == 0)
            {
                throw new InvalidOperationException("first attempt");
            }

            done.Signal();
        }, new WorkQueueOptions<Ping>
        {
            Name = "payments",
            WorkerCount = 1,
            RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.Zero },
            Shared = new EventBusOptions { MeterFactory = _telemetry.MeterFactory },
        });
        await using (queue)
        {
            using (_telemetry.StartTrace("checkout"))
            {
                await queue.EnqueueAsync(new Ping(0, 1));
            }

            await done.WaitAsync("the retried item");
            await queue.CompleteAsync();
        }

        var publish = _telemetry.Spans.Single(s => s.OperationName == "publish payments");
        Tag(publish, "messaging.destination.name").Should().Be("payments");
        var processes = _telemetry.Spans.Where(s => s.OperationName == "process payments").ToList();
        processes.Should().HaveCount(2).And.OnlyContain(s => s.Links.Single().Context == publish.Context, "the link survives the queue hop and the retry");
        processes.Should().OnlyContain(s => (string?)Tag(s, "messaging.consumer.group.name") == "payments");
        _telemetry.Sum("messaging.client.sent.messages").Should().Be(1);
        _telemetry.Sum("messaging.client.consumed.messages").Should().Be(1);
        _telemetry.Sum("eventbus.messages.retried").Should().Be(1);
    }

    [Fact]
    public async Task The_instruments_add_up_to_a_known_workload()
    {
        // 10 published; 3 fail twice then succeed; 2 fail 3 times and are dead-lettered; and a second,
        // blocked subscription with DropWrite drops what its single slot cannot hold.
        var time = new TestTimeProvider();
        var sink = new DeadLetterQueue();
        var deadLettered = new Countdown(2);
        sink.Added += _ => deadLettered.Signal();
        var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory, TimeProvider = time, DeadLetterSink = sink });
        var failuresLeft = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        foreach (var id in new[] { 1, 2, 3 })
        {
            failuresLeft[id] = 2;
        }

        var settled = new Countdown(8);
        bus.Subscribe<Ping>(ping =>
        {
            if (ping.Sequence is 8 or 9)
            {
                throw new InvalidOperationException("poison");
            }

            if (failuresLeft.TryGetValue(ping.Sequence, out var left) && left > 0)
            {
                failuresLeft[ping.Sequence] = left - 1;
                throw new InvalidOperationException("transient");
            }

            settled.Signal();
        }, new SubscriptionOptions { Name = "worker", RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.Zero } });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Ping>(async (_, ct) =>
        {
            gateEntered.TrySetResult();
            await gate.Task.WaitAsync(ct);
        }, new SubscriptionOptions { Name = "slow", Capacity = 1, FullMode = BufferFullMode.DropWrite, RetryPolicy = RetryPolicy.None });

        using (_telemetry.StartTrace("workload"))
        {
            await bus.PublishAsync(new Ping(0, 0));
            await Wait.For(gateEntered.Task, "the slow subscriber to hold its first event");
            for (var i = 1; i < 10; i++)
            {
                await bus.PublishAsync(new Ping(0, i));
            }
        }

        await deadLettered.WaitAsync("the two poison events");
        await settled.WaitAsync("the eight good events");
        _telemetry.RecordObservableInstruments();
        gate.SetResult();
        await bus.DisposeAsync();

        _telemetry.Sum("messaging.client.sent.messages").Should().Be(10);
        _telemetry.Sum("messaging.client.consumed.messages").Should().Be(10 + 2, "the worker got 10; the slow one got the 2 its slot and handler held");
        _telemetry.Sum("eventbus.messages.retried").Should().Be(3 * 2 + 2 * 2);
        _telemetry.Sum("eventbus.messages.dead_lettered").Should().Be(2);
        var drops = _telemetry.Measurements("eventbus.messages.dropped");
        drops.Sum(d => d.Value).Should().Be(8);
        drops.Should().OnlyContain(d => d.Tags.Any(t => t.Key == "eventbus.drop.reason" && (string?)t.Value == nameof(DropReason.DroppedWrite)));
        _telemetry.Count("messaging.process.duration").Should().Be(10 + 3 * 2 + 2 * 2 + 2, "one per attempt");
        _telemetry.Measurements("messaging.process.duration").Should().OnlyContain(m => m.Value >= 0);
        _telemetry.Count("eventbus.consumer.lag").Should().Be(12, "one per first attempt");
        _telemetry.Measurements("eventbus.consumer.lag").Should().OnlyContain(m => m.Value == 0, "the fake clock never moved");
        var depth = _telemetry.Measurements("eventbus.queue.depth");
        depth.Should().Contain(d => d.Tags.Any(t => (string?)t.Value == "slow") && d.Value == 1, "the slow subscription held one event in its buffer");
    }
}
