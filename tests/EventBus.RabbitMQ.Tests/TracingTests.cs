using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using EventBus.RabbitMQ.Tests.Infrastructure;

namespace EventBus.RabbitMQ.Tests;

/// <summary>A trace started by the sender continues in the receiver, through the broker.</summary>
public sealed class TracingTests(BrokerFixture broker) : BrokerTest(broker), IDisposable
{
    private readonly ActivitySource _client = new("EventBus.RabbitMQ.Tests.Client");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, string? System)> _measurements = new();
    private ActivityListener? _listener;
    private MeterListener? _meters;

    public override Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RabbitMQDiagnostics.ActivitySourceName or EventBusDiagnostics.ActivitySourceName || source == _client,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _meters = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == RabbitMQDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? system = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "messaging.system")
                {
                    system = tag.Value?.ToString();
                }
            }

            _measurements.Enqueue((instrument.Name, value, system));
        });
        _meters.Start();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _meters?.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task The_senders_trace_continues_through_the_broker_into_pub_sub_handlers_and_work_items()
    {
        var queue = QueueName("jobs");
        var eventTrace = new TaskCompletionSource<ActivityContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobTrace = new TaskCompletionSource<(ActivityContext Context, ActivityTraceId? Current)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes()
            .Subscribe<OrderPlaced>(Wire.OrdersTopic)
            .Consume<Job>(queue, (_, context, _) =>
            {
                jobTrace.TrySetResult((context.TraceContext, Activity.Current?.TraceId));
                return default;
            }, Wire.JobsTopic));
        b.Bus().Subscribe<OrderPlaced>((_, context) => eventTrace.TrySetResult(context.TraceContext));
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic).Publish<Job>(Wire.JobsTopic));

        ActivityTraceId traceId;
        using (var checkout = _client.StartActivity("checkout"))
        {
            traceId = checkout!.TraceId;
            await a.Bus().PublishAsync(new OrderPlaced(1, "c"), PublishOptions.ForTopic(Wire.OrdersTopic));
            await a.Bus().PublishAsync(new Job(2), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        (await Signals.For(eventTrace.Task, "the pub/sub handler")).TraceId.Should().Be(traceId);
        var (jobContext, jobCurrent) = await Signals.For(jobTrace.Task, "the work item handler");
        jobContext.TraceId.Should().Be(traceId, "the work item's context carries the sender's trace");
        jobCurrent.Should().Be(traceId, "the handler runs inside the consumer span of that trace");

        foreach (var routingKey in new[] { Wire.OrdersTopic, Wire.JobsTopic })
        {
            // The consumer may finish before the producer's confirm arrives: wait for both spans to end.
            await Signals.Until(
                () => _stopped.Any(s => s.Kind == ActivityKind.Consumer && IsRabbit(s) && Tag(s, "messaging.rabbitmq.destination.routing_key") == routingKey)
                    && _stopped.Any(s => s.Kind == ActivityKind.Producer && IsRabbit(s) && Tag(s, "messaging.rabbitmq.destination.routing_key") == routingKey),
                $"the producer and consumer spans for {routingKey}");
            var producer = _stopped.Single(s => s.Kind == ActivityKind.Producer && IsRabbit(s) && Tag(s, "messaging.rabbitmq.destination.routing_key") == routingKey);
            var consumer = _stopped.Single(s => s.Kind == ActivityKind.Consumer && IsRabbit(s) && Tag(s, "messaging.rabbitmq.destination.routing_key") == routingKey);

            producer.DisplayName.Should().Be($"publish {Exchange}");
            producer.TraceId.Should().Be(traceId);
            Tag(producer, "messaging.destination.name").Should().Be(Exchange);
            consumer.TraceId.Should().Be(traceId);
            consumer.ParentSpanId.Should().Be(producer.SpanId, "the consumer span is the child of the producer span in the other process");
            Tag(consumer, "messaging.operation.type").Should().Be("process");
            Tag(consumer, "messaging.message.id").Should().Be(Tag(producer, "messaging.message.id"));
        }
    }

    [Fact]
    public async Task Broker_legs_are_measured_with_messaging_system_rabbitmq()
    {
        var queue = QueueName("jobs");
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(queue, (_, _, _) =>
        {
            handled.TrySetResult();
            return default;
        }, Wire.JobsTopic));
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic));

        await a.Bus().PublishAsync(new Job(1), PublishOptions.ForTopic(Wire.JobsTopic));
        await Signals.For(handled.Task, "the job");

        await Signals.Until(() => _measurements.Any(m => m.Instrument == "messaging.client.sent.messages"), "the sent counter");
        _measurements.Should().ContainSingle(m => m.Instrument == "messaging.client.sent.messages").Which.System.Should().Be("rabbitmq");
        _measurements.Should().ContainSingle(m => m.Instrument == "messaging.client.consumed.messages").Which.System.Should().Be("rabbitmq");
    }

    private static bool IsRabbit(Activity activity) => Tag(activity, "messaging.system") == "rabbitmq";

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();
}
