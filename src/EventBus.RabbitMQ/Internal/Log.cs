using Microsoft.Extensions.Logging;

namespace EventBus.RabbitMQ.Internal;

/// <summary>Every log line of the bridge, source-generated. Endpoints are always redacted; payloads and
/// passwords are never logged.</summary>
internal static partial class Log
{
    internal const string CategoryName = "EventBus.RabbitMQ";

    [LoggerMessage(EventId = 3001, EventName = "Connected", Level = LogLevel.Information,
        Message = "Connected to {Endpoint} as instance {Instance}: exchange {Exchange}, {Outbound} outbound, {Inbound} inbound queue(s)")]
    internal static partial void Connected(ILogger logger, string endpoint, string instance, string exchange, int outbound, int inbound);

    [LoggerMessage(EventId = 3002, EventName = "ConnectionLost", Level = LogLevel.Warning,
        Message = "Connection to {Endpoint} lost ({Reason}); recovering, outbound events wait")]
    internal static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3003, EventName = "ConnectionRecovered", Level = LogLevel.Information,
        Message = "Connection to {Endpoint} recovered")]
    internal static partial void ConnectionRecovered(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3004, EventName = "ForwardFailed", Level = LogLevel.Warning,
        Message = "Forwarding {EventType} {EventId} to exchange {Exchange} failed; the bus retries it per the forward retry policy")]
    internal static partial void ForwardFailed(ILogger logger, Exception exception, string eventType, Guid eventId, string exchange);

    [LoggerMessage(EventId = 3005, EventName = "Unroutable", Level = LogLevel.Warning,
        Message = "{EventType} {EventId} was returned by exchange {Exchange}: no queue is bound for routing key {RoutingKey}")]
    internal static partial void Unroutable(ILogger logger, string eventType, Guid eventId, string exchange, string routingKey);

    [LoggerMessage(EventId = 3006, EventName = "DeadLettered", Level = LogLevel.Error,
        Message = "Message {MessageId} of type {MessageType} from queue {Queue} dead-lettered: {Reason} ({Detail})")]
    internal static partial void DeadLettered(ILogger logger, string? messageId, string? messageType, string queue, string reason, string detail);

    [LoggerMessage(EventId = 3007, EventName = "DeadLetterPublishFailed", Level = LogLevel.Error,
        Message = "Could not publish dead letter {MessageId} from queue {Queue} to the dead-letter exchange; rejected it to the queue's dead-letter exchange without the reason headers")]
    internal static partial void DeadLetterPublishFailed(ILogger logger, Exception exception, string? messageId, string queue);

    [LoggerMessage(EventId = 3008, EventName = "StaleDelivery", Level = LogLevel.Debug,
        Message = "Delivery {DeliveryTag} of {MessageId} on queue {Queue} outlived its channel; the broker redelivers it")]
    internal static partial void StaleDelivery(ILogger logger, ulong deliveryTag, string? messageId, string queue);

    [LoggerMessage(EventId = 3009, EventName = "ConsumerFailed", Level = LogLevel.Error,
        Message = "Unexpected failure handling delivery {DeliveryTag} on queue {Queue}; the message is handed back to the broker")]
    internal static partial void ConsumerFailed(ILogger logger, Exception exception, ulong deliveryTag, string queue);

    [LoggerMessage(EventId = 3010, EventName = "SettleFailed", Level = LogLevel.Warning,
        Message = "Could not {Operation} delivery {DeliveryTag} on queue {Queue}; the broker redelivers it when the channel closes")]
    internal static partial void SettleFailed(ILogger logger, Exception exception, string operation, ulong deliveryTag, string queue);

    [LoggerMessage(EventId = 3011, EventName = "LocalDeadLetterForwardFailed", Level = LogLevel.Error,
        Message = "Could not copy the local dead letter of {EventType} {MessageId} to the dead-letter exchange; it stays in the bus's dead-letter sink")]
    internal static partial void LocalDeadLetterForwardFailed(ILogger logger, Exception exception, string eventType, string messageId);

    [LoggerMessage(EventId = 3012, EventName = "Stopped", Level = LogLevel.Information,
        Message = "Stopped consuming from {Queue}")]
    internal static partial void Stopped(ILogger logger, string queue);
}
