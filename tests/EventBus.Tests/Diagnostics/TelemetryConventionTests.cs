using System.Diagnostics;
using System.Diagnostics.Metrics;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Diagnostics;

/// <summary>The OpenTelemetry conventions the bus's telemetry follows beyond names and tags: bucket advice for
/// the duration histograms, the conversation id, and the exception event of a failed attempt.</summary>
public sealed class TelemetryConventionTests : IDisposable
{
    private static readonly double[] s_secondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly TelemetryCollector _telemetry = new();

    public void Dispose() => _telemetry.Dispose();

    private static object? Tag(Activity activity, string name) => activity.TagObjects.FirstOrDefault(t => t.Key == name).Value;

    [Theory]
    [InlineData("messaging.process.duration")]
    [InlineData("eventbus.consumer.lag")]
    public async Task The_duration_histograms_of_a_bus_advise_bucket_boundaries_in_seconds(string name)
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });

        var histogram = _telemetry.Instrument(name).Should().BeOfType<Histogram<double>>().Which;
        histogram.Unit.Should().Be("s");
        histogram.Advice.Should().NotBeNull();
        histogram.Advice!.HistogramBucketBoundaries.Should().Equal(s_secondsBuckets);
    }

    [Fact]
    public async Task A_work_queues_duration_histogram_advises_the_same_boundaries()
    {
        await using var queue = WorkQueue.Create<Ping>((_, _) => default, new WorkQueueOptions<Ping> { Shared = new EventBusOptions { MeterFactory = _telemetry.MeterFactory } });

        ((Histogram<double>)_telemetry.Instrument("messaging.process.duration")).Advice!.HistogramBucketBoundaries.Should().Equal(s_secondsBuckets);
    }

    [Fact]
    public async Task The_correlation_id_is_the_process_spans_conversation_id()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });
        var handled = new Countdown(2);
        bus.Subscribe<Ping>(_ => handled.Signal());

        using (_telemetry.StartTrace("checkout"))
        {
            await bus.PublishAsync(new Ping(0, 1), new PublishOptions { CorrelationId = "order-42" });
            await bus.PublishAsync(new Ping(0, 2));
        }

        await handled.WaitAsync("both events");
        await bus.CompleteAsync();
        var spans = _telemetry.Spans.Where(s => s.OperationName == "process Ping").ToList();
        spans.Should().HaveCount(2);
        spans.Select(s => Tag(s, "messaging.message.conversation_id")).Should().BeEquivalentTo(new object?[] { "order-42", null },
            "only the event published with a correlation id carries one");
        var publishes = _telemetry.Spans.Where(s => s.OperationName == "publish Ping").ToList();
        publishes.Select(s => Tag(s, "messaging.message.conversation_id")).Should().BeEquivalentTo(new object?[] { "order-42", null },
            "the publish span carries the same conversation id");
    }

    [Fact]
    public async Task A_failed_attempt_records_the_exception_event_on_its_process_span()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });
        var letters = new Countdown(1);
        bus.Subscribe<Ping>(static _ => throw new InvalidOperationException("card declined"), new SubscriptionOptions
        {
            RetryPolicy = RetryPolicy.None,
            DeadLetterSink = new SignallingSink(letters),
        });

        using (_telemetry.StartTrace("charge"))
        {
            await bus.PublishAsync(new Ping(0, 1));
        }

        await letters.WaitAsync("the dead letter");
        await bus.CompleteAsync();
        var process = _telemetry.Spans.Single(s => s.OperationName == "process Ping");
        process.Status.Should().Be(ActivityStatusCode.Error);
        var exception = process.Events.Should().ContainSingle(e => e.Name == "exception").Which;
        var tags = exception.Tags.ToDictionary(t => t.Key, t => t.Value);
        tags["exception.type"].Should().Be(typeof(InvalidOperationException).FullName);
        tags["exception.message"].Should().Be("card declined");
        tags["exception.stacktrace"].Should().BeOfType<string>().Which.Should().Contain("card declined").And.Contain(nameof(A_failed_attempt_records_the_exception_event_on_its_process_span));
    }

    [Fact]
    public async Task A_successful_attempt_records_no_exception_event()
    {
        await using var bus = EventBusFactory.Create(new EventBusOptions { MeterFactory = _telemetry.MeterFactory });
        var handled = new Countdown(1);
        bus.Subscribe<Ping>(_ => handled.Signal());

        using (_telemetry.StartTrace("ok"))
        {
            await bus.PublishAsync(new Ping(0, 1));
        }

        await handled.WaitAsync("the event");
        await bus.CompleteAsync();
        _telemetry.Spans.Single(s => s.OperationName == "process Ping").Events.Should().BeEmpty();
    }

    private sealed class SignallingSink(Countdown written) : IDeadLetterSink
    {
        public ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
        {
            written.Signal();
            return default;
        }
    }
}
