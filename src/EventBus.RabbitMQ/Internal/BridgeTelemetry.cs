using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Spans and metrics of the broker legs, with <c>messaging.system</c> = <c>rabbitmq</c> and the attribute
/// names of the core's conventions. Nothing is built while nobody listens.
/// </summary>
internal sealed class BridgeTelemetry : IDisposable
{
    internal const string System = "messaging.system";
    internal const string SystemValue = "rabbitmq";
    internal const string OperationName = "messaging.operation.name";
    internal const string OperationType = "messaging.operation.type";
    internal const string DestinationName = "messaging.destination.name";
    internal const string ConsumerGroupName = "messaging.consumer.group.name";
    internal const string MessageId = "messaging.message.id";
    internal const string ConversationId = "messaging.message.conversation_id";
    internal const string RoutingKey = "messaging.rabbitmq.destination.routing_key";
    internal const string DeliveryTag = "messaging.rabbitmq.message.delivery_tag";
    internal const string Redelivered = "messaging.rabbitmq.message.redelivered";
    internal const string ErrorType = "error.type";
    internal const string DeadLetterReason = "eventbus.dead_letter.reason";

    private static readonly string s_version =
        typeof(BridgeTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _redelivered;
    private readonly Counter<long> _unroutable;
    private readonly Counter<long> _skippedEchoes;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _processDuration;

    internal BridgeTelemetry(IMeterFactory? meterFactory)
    {
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(new MeterOptions(RabbitMQDiagnostics.MeterName) { Version = s_version });
        }
        else
        {
            _meter = new Meter(RabbitMQDiagnostics.MeterName, s_version);
            _ownsMeter = true;
        }

        _sent = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages the broker confirmed (or failed to).");
        _consumed = _meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages delivered by the broker.");
        _redelivered = _meter.CreateCounter<long>("eventbus.rabbitmq.redelivered", "{message}", "Deliveries flagged as redelivered by the broker.");
        _unroutable = _meter.CreateCounter<long>("eventbus.rabbitmq.unroutable", "{message}", "Published messages no queue was bound for.");
        _skippedEchoes = _meter.CreateCounter<long>("eventbus.rabbitmq.skipped_echoes", "{message}", "Events not forwarded back to the route they came in on.");
        _deadLettered = _meter.CreateCounter<long>("eventbus.messages.dead_lettered", "{message}", "Messages sent to the dead-letter exchange, by reason.");
        _processDuration = _meter.CreateHistogram<double>("messaging.process.duration", "s", "Duration of local handling of one delivery.");
    }

    internal static ActivitySource Source { get; } = new(RabbitMQDiagnostics.ActivitySourceName, s_version);

    internal bool ProcessDurationEnabled => _processDuration.Enabled;

    /// <summary>Starts the PRODUCER span of one forward, child of the local publisher's context.</summary>
    internal static Activity? StartPublish(string exchange, string routingKey, Guid messageId, ActivityContext parent)
    {
        var activity = Source.StartActivity($"publish {exchange}", ActivityKind.Producer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(System, SystemValue);
            activity.SetTag(OperationName, "publish");
            activity.SetTag(OperationType, "send");
            activity.SetTag(DestinationName, exchange);
            activity.SetTag(RoutingKey, routingKey);
            activity.SetTag(MessageId, messageId.ToString());
        }

        return activity;
    }

    /// <summary>Starts the CONSUMER span of one delivery's local handling, child of the sender's context. When
    /// nobody samples this source, a plain activity still carries the remote context into the local bus.</summary>
    internal static Activity? StartProcess(string queue, IncomingMessage message, string? consumerGroup)
    {
        var parent = message.RemoteContext;
        var name = $"process {queue}";
        var activity = Source.StartActivity(name, ActivityKind.Consumer, parent);
        if (activity is null)
        {
            if (parent == default)
            {
                return null;
            }

            // Nobody listens to the bridge, but the bus (or the application) may: keep the trace going.
            activity = new Activity(name);
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
            return activity.Start();
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(System, SystemValue);
            activity.SetTag(OperationName, "process");
            activity.SetTag(OperationType, "process");
            activity.SetTag(DestinationName, message.Exchange);
            activity.SetTag(RoutingKey, message.RoutingKey);
            activity.SetTag(DeliveryTag, (long)message.DeliveryTag);
            activity.SetTag(Redelivered, message.Redelivered);
            // Sender-controlled: escaped and capped like a log line, since exporters print tags.
            if (message.Id is not null)
            {
                activity.SetTag(MessageId, SenderText.Escape(message.Id));
            }

            if (message.CorrelationId is not null)
            {
                activity.SetTag(ConversationId, SenderText.Escape(message.CorrelationId));
            }

            if (consumerGroup is not null)
            {
                activity.SetTag(ConsumerGroupName, consumerGroup);
            }
        }

        return activity;
    }

    internal static void Fail(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.SetTag(ErrorType, exception.GetType().FullName);
        }
    }

    internal void RecordSent(string exchange, string routingKey, Exception? error)
    {
        if (!_sent.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { System, SystemValue },
            { OperationName, "publish" },
            { DestinationName, exchange },
            { RoutingKey, routingKey },
        };
        if (error is not null)
        {
            tags.Add(ErrorType, error.GetType().FullName);
        }

        _sent.Add(1, tags);
    }

    internal void RecordUnroutable(string exchange, string routingKey)
    {
        if (_unroutable.Enabled)
        {
            _unroutable.Add(1, new TagList { { System, SystemValue }, { DestinationName, exchange }, { RoutingKey, routingKey } });
        }
    }

    internal void RecordSkippedEcho(string exchange, string routingKey)
    {
        if (_skippedEchoes.Enabled)
        {
            _skippedEchoes.Add(1, new TagList { { System, SystemValue }, { DestinationName, exchange }, { RoutingKey, routingKey } });
        }
    }

    internal void RecordConsumed(string queue, bool redelivered)
    {
        if (_consumed.Enabled)
        {
            _consumed.Add(1, new TagList { { System, SystemValue }, { OperationName, "process" }, { ConsumerGroupName, queue } });
        }

        if (redelivered && _redelivered.Enabled)
        {
            _redelivered.Add(1, new TagList { { System, SystemValue }, { ConsumerGroupName, queue } });
        }
    }

    internal void RecordDeadLettered(string queue, string reason)
    {
        if (_deadLettered.Enabled)
        {
            _deadLettered.Add(1, new TagList { { System, SystemValue }, { ConsumerGroupName, queue }, { DeadLetterReason, reason } });
        }
    }

    internal void RecordProcessDuration(string queue, TimeSpan elapsed, Exception? error)
    {
        if (!_processDuration.Enabled)
        {
            return;
        }

        var tags = new TagList { { System, SystemValue }, { OperationName, "process" }, { ConsumerGroupName, queue } };
        if (error is not null)
        {
            tags.Add(ErrorType, error.GetType().FullName);
        }

        _processDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
