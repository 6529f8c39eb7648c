using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace EventBus.RabbitMQ.Internal;

/// <summary>Every log line of the bridge, source-generated. Endpoints are always redacted; payloads and
/// passwords are never logged. Strings a sender controls (message ids, type names, details that quote them,
/// a broker's close reason) go through the wrappers here, which pass them through <see cref="SenderText.Escape"/>
/// (only when the level is on), so none can break a line or flood one.</summary>
internal static partial class Log
{
    internal const string CategoryName = "EventBus.RabbitMQ";

    [LoggerMessage(EventId = 3001, EventName = "Connected", Level = LogLevel.Information,
        Message = "Connected to {Endpoint} as instance {Instance}: exchange {Exchange}, {Outbound} outbound, {Inbound} inbound queue(s)")]
    internal static partial void Connected(ILogger logger, string endpoint, string instance, string exchange, int outbound, int inbound);

    internal static void ConnectionLost(ILogger logger, string endpoint, string? reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            ConnectionLostCore(logger, endpoint, SenderText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 3003, EventName = "ConnectionRecovered", Level = LogLevel.Information,
        Message = "Connection to {Endpoint} recovered")]
    internal static partial void ConnectionRecovered(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3004, EventName = "ForwardFailed", Level = LogLevel.Warning,
        Message = "Forwarding {EventType} {EventId} to exchange {Exchange} failed; the bus retries it per the forward retry policy")]
    internal static partial void ForwardFailed(ILogger logger, Exception exception, string eventType, Guid eventId, string exchange);

    [LoggerMessage(EventId = 3005, EventName = "Unroutable", Level = LogLevel.Warning,
        Message = "{EventType} {EventId} was returned by exchange {Exchange}: no queue is bound for routing key {RoutingKey}")]
    internal static partial void Unroutable(ILogger logger, string eventType, Guid eventId, string exchange, string routingKey);

    internal static void DeadLettered(ILogger logger, string? messageId, string? messageType, string queue, string reason, string detail)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            DeadLetteredCore(logger, SenderText.Escape(messageId), SenderText.Escape(messageType), queue, reason, SenderText.Escape(detail, SenderText.HeaderLimit));
        }
    }

    internal static void DeadLetterPublishFailed(ILogger logger, Exception exception, string? messageId, string queue)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            DeadLetterPublishFailedCore(logger, exception, SenderText.Escape(messageId), queue);
        }
    }

    [SuppressMessage("Performance", "CA1873:Avoid potentially expensive logging", Justification = "The escaping runs only inside the IsEnabled check just above it, which the analyzer does not see through.")]
    internal static void StaleDelivery(ILogger logger, ulong deliveryTag, string? messageId, string queue)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            StaleDeliveryCore(logger, deliveryTag, SenderText.Escape(messageId), queue);
        }
    }

    [LoggerMessage(EventId = 3009, EventName = "ConsumerFailed", Level = LogLevel.Error,
        Message = "Unexpected failure handling delivery {DeliveryTag} on queue {Queue}; the message is handed back to the broker")]
    internal static partial void ConsumerFailed(ILogger logger, Exception exception, ulong deliveryTag, string queue);

    [LoggerMessage(EventId = 3010, EventName = "SettleFailed", Level = LogLevel.Warning,
        Message = "Could not {Operation} delivery {DeliveryTag} on queue {Queue}; the broker redelivers it when the channel closes")]
    internal static partial void SettleFailed(ILogger logger, Exception exception, string operation, ulong deliveryTag, string queue);

    internal static void LocalDeadLetterForwardFailed(ILogger logger, Exception exception, string eventType, string? messageId)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            LocalDeadLetterForwardFailedCore(logger, exception, eventType, SenderText.Escape(messageId));
        }
    }

    [LoggerMessage(EventId = 3012, EventName = "Stopped", Level = LogLevel.Information,
        Message = "Stopped consuming from {Queue}")]
    internal static partial void Stopped(ILogger logger, string queue);

    [SuppressMessage("Performance", "CA1873:Avoid potentially expensive logging", Justification = "The escaping runs only inside the IsEnabled check just above it, which the analyzer does not see through.")]
    internal static void EchoSkipped(ILogger logger, string eventType, Guid eventId, string? messageId, string exchange, string routingKey)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            EchoSkippedCore(logger, eventType, eventId, SenderText.Escape(messageId), exchange, routingKey);
        }
    }

    [LoggerMessage(EventId = 3014, EventName = "ForwardRefused", Level = LogLevel.Error,
        Message = "{EventType} {EventId} cannot be forwarded to exchange {Exchange} and goes to the dead-letter sink without retries: {Reason}")]
    internal static partial void ForwardRefused(ILogger logger, string eventType, Guid eventId, string exchange, string reason);

    internal static void PublishChannelReopened(ILogger logger, string endpoint, string? reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            PublishChannelReopenedCore(logger, endpoint, SenderText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 3016, EventName = "TlsCertificateRefused", Level = LogLevel.Error,
        Message = "TLS connection to {Endpoint} refused: {Reason}")]
    internal static partial void TlsCertificateRefused(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3002, EventName = "ConnectionLost", Level = LogLevel.Warning,
        Message = "Connection to {Endpoint} lost ({Reason}); recovering, outbound events wait")]
    private static partial void ConnectionLostCore(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3006, EventName = "DeadLettered", Level = LogLevel.Error,
        Message = "Message {MessageId} of type {MessageType} from queue {Queue} dead-lettered: {Reason} ({Detail})")]
    private static partial void DeadLetteredCore(ILogger logger, string messageId, string messageType, string queue, string reason, string detail);

    [LoggerMessage(EventId = 3007, EventName = "DeadLetterPublishFailed", Level = LogLevel.Error,
        Message = "Could not publish dead letter {MessageId} from queue {Queue} to the dead-letter exchange; rejected it to the queue's dead-letter exchange without the reason headers")]
    private static partial void DeadLetterPublishFailedCore(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(EventId = 3008, EventName = "StaleDelivery", Level = LogLevel.Debug,
        Message = "Delivery {DeliveryTag} of {MessageId} on queue {Queue} outlived its channel; the broker redelivers it")]
    private static partial void StaleDeliveryCore(ILogger logger, ulong deliveryTag, string messageId, string queue);

    [LoggerMessage(EventId = 3011, EventName = "LocalDeadLetterForwardFailed", Level = LogLevel.Error,
        Message = "Could not copy the local dead letter of {EventType} {MessageId} to the dead-letter exchange; it stays in the bus's dead-letter sink")]
    private static partial void LocalDeadLetterForwardFailedCore(ILogger logger, Exception exception, string eventType, string messageId);

    [LoggerMessage(EventId = 3013, EventName = "EchoSkipped", Level = LogLevel.Debug,
        Message = "{EventType} {EventId} (message {MessageId}) came in from exchange {Exchange} with routing key {RoutingKey}; it is not sent back there")]
    private static partial void EchoSkippedCore(ILogger logger, string eventType, Guid eventId, string messageId, string exchange, string routingKey);

    [LoggerMessage(EventId = 3015, EventName = "PublishChannelReopened", Level = LogLevel.Warning,
        Message = "The broker at {Endpoint} closed the publishing channel ({Reason}); opened a new one")]
    private static partial void PublishChannelReopenedCore(ILogger logger, string endpoint, string reason);
}
