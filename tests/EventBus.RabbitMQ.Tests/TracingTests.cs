using System.Collections.Concurrent;
using System.Diagnostics;
using EventBus.RabbitMQ.Tests.Infrastructure;

namespace EventBus.RabbitMQ.Tests;

/// <summary>A trace started by the sender continues in the receiver, through the broker.</summary>
public sealed class TracingTests(BrokerFixture broker) : BrokerTest(broker), IDisposable
{
    private readonly ActivitySource _client = new("EventBus.RabbitMQ.Tests.Client");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener? _listener;

    public override Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RabbitMQDiagnostics.ActivitySourceName or EventBusDiagnostics.ActivitySourceName || source == _client,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _listener?.Dispose();
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

    private static bool IsRabbit(Activity activity) => Tag(activity, "messaging.system") == "rabbitmq";

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();
}
