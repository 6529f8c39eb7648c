using System.Diagnostics;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EventBus.RabbitMQ.Internal;

/// <summary>Writes and reads the AMQP properties and headers around an event's JSON body.</summary>
internal static class Envelope
{
    internal const string JsonContentType = "application/json";

    /// <summary>The properties of an outbound event: persistent, CloudEvents headers, trace context, the local headers.</summary>
    internal static BasicProperties Create(MessageType type, EventContext context, string source, ActivityContext trace)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [RabbitMQHeaders.SpecVersion] = "1.0",
            [RabbitMQHeaders.Id] = context.Id.ToString(),
            [RabbitMQHeaders.Source] = source,
            [RabbitMQHeaders.Type] = type.Name,
            [RabbitMQHeaders.Time] = context.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            [RabbitMQHeaders.DataContentType] = JsonContentType,
            [RabbitMQHeaders.SchemaVersion] = type.SchemaVersion.ToString(CultureInfo.InvariantCulture),
        };
        if (context.Topic is not null)
        {
            headers[RabbitMQHeaders.Subject] = context.Topic;
        }

        if (trace != default)
        {
            headers[RabbitMQHeaders.TraceParent] = FormatTraceParent(trace);
            if (!string.IsNullOrEmpty(trace.TraceState))
            {
                headers[RabbitMQHeaders.TraceState] = trace.TraceState;
            }
        }

        foreach (var (key, value) in context.Headers)
        {
            headers[RabbitMQHeaders.HeaderPrefix + key] = value;
        }

        return new BasicProperties
        {
            Persistent = true,
            ContentType = JsonContentType,
            MessageId = context.Id.ToString(),
            Type = type.Name,
            Timestamp = new AmqpTimestamp(context.Timestamp.ToUnixTimeSeconds()),
            CorrelationId = context.CorrelationId,
            Headers = headers,
        };
    }

    /// <summary>The W3C traceparent of a span context: <c>00-{trace id}-{span id}-{flags}</c>.</summary>
    internal static string FormatTraceParent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>Reads a delivery. Copies the body: it is valid only during the delivery callback.</summary>
    internal static IncomingMessage Read(BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        var raw = properties.Headers;
        var message = new IncomingMessage
        {
            Body = delivery.Body.ToArray(),
            DeliveryTag = delivery.DeliveryTag,
            Redelivered = delivery.Redelivered,
            Exchange = delivery.Exchange,
            RoutingKey = delivery.RoutingKey,
            ContentType = properties.ContentType,
            CorrelationId = properties.CorrelationId,
            Persistent = properties.Persistent,
        };

        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (raw is not null)
        {
            foreach (var (key, value) in raw)
            {
                headers[key] = value;
            }
        }

        message.RawHeaders = headers;
        message.Id = Text(headers, RabbitMQHeaders.Id) ?? properties.MessageId;
        message.TypeName = Text(headers, RabbitMQHeaders.Type) ?? properties.Type;
        message.Source = Text(headers, RabbitMQHeaders.Source) ?? properties.AppId;
        message.Subject = Text(headers, RabbitMQHeaders.Subject);
        message.ContentType = Text(headers, RabbitMQHeaders.DataContentType) ?? message.ContentType;
        message.TimeText = Text(headers, RabbitMQHeaders.Time);
        if (message.TimeText is not null
            && DateTimeOffset.TryParse(message.TimeText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
        {
            message.Time = time;
        }
        else if (properties.Timestamp.UnixTime > 0)
        {
            message.Time = DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime);
        }

        message.SchemaVersion = int.TryParse(Text(headers, RabbitMQHeaders.SchemaVersion), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : 1;
        var traceParent = Text(headers, RabbitMQHeaders.TraceParent);
        if (traceParent is not null && ActivityContext.TryParse(traceParent, Text(headers, RabbitMQHeaders.TraceState), isRemote: true, out var remote))
        {
            message.RemoteContext = remote;
        }

        return message;
    }

    /// <summary>The headers of the local publish: the sender's own, plus where the message came from.</summary>
    internal static Dictionary<string, string> LocalHeaders(IncomingMessage message)
    {
        var local = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in message.RawHeaders)
        {
            if (key.StartsWith(RabbitMQHeaders.HeaderPrefix, StringComparison.Ordinal) && AsText(value) is { } text)
            {
                local[key[RabbitMQHeaders.HeaderPrefix.Length..]] = text;
            }
        }

        local[RabbitMQContextHeaders.MessageId] = message.Id ?? string.Empty;
        local[RabbitMQContextHeaders.RoutingKey] = message.RoutingKey;
        if (message.TimeText is not null)
        {
            local[RabbitMQContextHeaders.Time] = message.TimeText;
        }

        if (message.Source is not null)
        {
            local[RabbitMQContextHeaders.Source] = message.Source;
        }

        if (message.Redelivered)
        {
            local[RabbitMQContextHeaders.Redelivered] = "true";
        }

        return local;
    }

    /// <summary>A header as text: the client hands string headers back as UTF-8 bytes.</summary>
    internal static string? Text(IReadOnlyDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out var value) ? AsText(value) : null;

    internal static string? AsText(object? value) => value switch
    {
        null => null,
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        ReadOnlyMemory<byte> memory => Encoding.UTF8.GetString(memory.Span),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>One delivery as read by <see cref="Envelope.Read"/>.</summary>
internal sealed class IncomingMessage
{
    internal byte[] Body { get; init; } = [];

    internal ulong DeliveryTag { get; init; }

    internal bool Redelivered { get; init; }

    internal string Exchange { get; init; } = string.Empty;

    internal string RoutingKey { get; init; } = string.Empty;

    internal bool Persistent { get; init; }

    internal string? CorrelationId { get; init; }

    internal string? ContentType { get; set; }

    internal IReadOnlyDictionary<string, object?> RawHeaders { get; set; } = new Dictionary<string, object?>();

    internal string? Id { get; set; }

    internal string? TypeName { get; set; }

    internal string? Source { get; set; }

    internal string? Subject { get; set; }

    internal string? TimeText { get; set; }

    internal DateTimeOffset? Time { get; set; }

    internal int SchemaVersion { get; set; } = 1;

    internal ActivityContext RemoteContext { get; set; }

    /// <summary>The sender's id as a <see cref="Guid"/>, or a new one when the sender's id is not a GUID.</summary>
    internal Guid IdAsGuid() => Guid.TryParse(Id, out var id) ? id : Guid.NewGuid();
}
