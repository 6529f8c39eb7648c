using System.Collections;
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

    /// <summary>The prefix of the headers the bridge owns in a local context (<see cref="RabbitMQContextHeaders"/>):
    /// set by the receiving bridge from the delivery, never taken from a sender.</summary>
    internal const string BridgeHeaderPrefix = "rabbitmq-";

    /// <summary>The properties of an outbound event: persistent, CloudEvents headers, trace context, the local headers.</summary>
    /// <param name="type">The event's wire type.</param>
    /// <param name="context">The local publish.</param>
    /// <param name="source">The CloudEvents source.</param>
    /// <param name="trace">The producer span's context.</param>
    /// <param name="userId">The user the connection authenticated as: the broker checks it, so receivers can trust it.</param>
    /// <exception cref="ArgumentException">A header name or value, or the correlation id, contains a control character:
    /// receivers would refuse the message, so it is refused here, where the cause is.</exception>
    internal static BasicProperties Create(MessageType type, EventContext context, string source, ActivityContext trace, string? userId)
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

        if (context.CausationId is { } causation)
        {
            headers[RabbitMQHeaders.CausationId] = causation.ToString("D", CultureInfo.InvariantCulture);
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
            // What the bridge said about the hop an event came in on is not the sender's to pass on.
            if (IsBridgeHeader(key))
            {
                continue;
            }

            if (SenderText.HasControl(key) || SenderText.HasControl(value))
            {
                throw new ArgumentException(
                    $"The header '{SenderText.Escape(key)}' of {type.Name} {context.Id} contains a control character; receivers refuse such headers, so it is not sent.",
                    nameof(context));
            }

            headers[RabbitMQHeaders.HeaderPrefix + key] = value;
        }

        if (context.CorrelationId is { } correlationId && SenderText.HasControl(correlationId))
        {
            throw new ArgumentException($"The correlation id of {type.Name} {context.Id} contains a control character; receivers refuse it, so it is not sent.", nameof(context));
        }

        return new BasicProperties
        {
            Persistent = true,
            ContentType = JsonContentType,
            MessageId = context.Id.ToString(),
            Type = type.Name,
            Timestamp = new AmqpTimestamp(context.Timestamp.ToUnixTimeSeconds()),
            CorrelationId = context.CorrelationId,
            UserId = userId,
            Headers = headers,
        };
    }

    /// <summary>The value if it fits an AMQP property (a short string: 255 bytes of UTF-8), else <see langword="null"/>;
    /// an id read from a CloudEvents header may be longer (it stays in the header).</summary>
    internal static string? FitsProperty(string? value) => value is not null && Encoding.UTF8.GetByteCount(value) <= 255 ? value : null;

    /// <summary>True for a header name in the bridge's own namespace, in any letter case.</summary>
    internal static bool IsBridgeHeader(string name) => name.StartsWith(BridgeHeaderPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The W3C traceparent of a span context: <c>00-{trace id}-{span id}-{flags}</c>.</summary>
    internal static string FormatTraceParent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>
    /// Reads a delivery. A body within <paramref name="maxBodySize"/> is copied (the client's buffer is valid only
    /// during the delivery callback); a larger one is neither copied nor parsed, and stays valid only until the
    /// callback returns. Headers a local handler would see are checked: the first one with a control character,
    /// or that is not text, is reported in <see cref="IncomingMessage.InvalidHeader"/>.
    /// </summary>
    internal static IncomingMessage Read(BasicDeliverEventArgs delivery, int maxBodySize)
    {
        var properties = delivery.BasicProperties;
        var tooLarge = delivery.Body.Length > maxBodySize;
        var message = new IncomingMessage
        {
            Properties = properties,
            Body = tooLarge ? delivery.Body : delivery.Body.ToArray(),
            TooLarge = tooLarge,
            DeliveryTag = delivery.DeliveryTag,
            Redelivered = delivery.Redelivered,
            Exchange = delivery.Exchange,
            RoutingKey = delivery.RoutingKey,
            ContentType = properties.ContentType,
            CorrelationId = properties.CorrelationId,
            UserId = properties.UserId,
            Persistent = properties.Persistent,
        };

        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (properties.Headers is { } raw)
        {
            foreach (var (key, value) in raw)
            {
                headers[key] = value;
            }
        }

        message.RawHeaders = headers;
        var check = new HeaderCheck(message);
        message.Id = check.Text(RabbitMQHeaders.Id) ?? check.Property("message_id", properties.MessageId);
        message.TypeName = check.Text(RabbitMQHeaders.Type) ?? check.Property("type", properties.Type);
        message.Source = check.Text(RabbitMQHeaders.Source) ?? check.Property("app_id", properties.AppId);
        message.Subject = check.Text(RabbitMQHeaders.Subject);
        message.ContentType = check.Text(RabbitMQHeaders.DataContentType) ?? check.Property("content_type", message.ContentType);
        check.Property("correlation_id", message.CorrelationId);
        check.Property("user_id", message.UserId);
        check.Property("routing key", message.RoutingKey);
        var timeText = check.Text(RabbitMQHeaders.Time);
        if (timeText is not null
            && DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
        {
            message.Time = time;
        }
        else if (properties.Timestamp.UnixTime > 0)
        {
            message.Time = DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime);
        }

        message.SchemaVersion = int.TryParse(check.Text(RabbitMQHeaders.SchemaVersion), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : 1;
        if (Guid.TryParse(check.Text(RabbitMQHeaders.CausationId), out var causation) && causation != Guid.Empty)
        {
            message.CausationId = causation;
        }

        var traceParent = check.Text(RabbitMQHeaders.TraceParent);
        var traceState = check.Text(RabbitMQHeaders.TraceState);
        if (traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var remote))
        {
            message.RemoteContext = remote;
        }

        var local = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in headers.Keys)
        {
            if (!key.StartsWith(RabbitMQHeaders.HeaderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = key[RabbitMQHeaders.HeaderPrefix.Length..];
            if (name.Length == 0 || SenderText.HasControl(name))
            {
                check.Fail($"The header name '{SenderText.Escape(key)}' is empty after its prefix or contains a control character.");
                continue;
            }

            // The bridge's own headers describe this delivery; a sender's copies of them are dropped.
            if (check.Text(key) is { } value && !IsBridgeHeader(name))
            {
                local[name] = value;
            }
        }

        message.SenderHeaders = local;
        return message;
    }

    /// <summary>The headers of the local publish: the sender's own, then the bridge's, set from the delivery and
    /// its properties (never from a sender's header of the same name).</summary>
    internal static Dictionary<string, string> LocalHeaders(IncomingMessage message)
    {
        var local = new Dictionary<string, string>(message.SenderHeaders, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(message.Id))
        {
            local[RabbitMQContextHeaders.MessageId] = message.Id;
        }

        local[RabbitMQContextHeaders.Exchange] = message.Exchange;
        local[RabbitMQContextHeaders.RoutingKey] = message.RoutingKey;
        if (message.Time is { } time)
        {
            local[RabbitMQContextHeaders.Time] = time.ToString("O", CultureInfo.InvariantCulture);
        }

        if (message.Source is not null)
        {
            local[RabbitMQContextHeaders.Source] = message.Source;
        }

        if (!string.IsNullOrEmpty(message.UserId))
        {
            local[RabbitMQContextHeaders.UserId] = message.UserId;
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

    /// <summary>A scalar header value as text; <see langword="null"/> for a table, an array or nothing.</summary>
    internal static string? AsText(object? value) => value switch
    {
        null => null,
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        ReadOnlyMemory<byte> memory => Encoding.UTF8.GetString(memory.Span),
        AmqpTimestamp timestamp => timestamp.UnixTime.ToString(CultureInfo.InvariantCulture),
        IDictionary or IList => null,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Reads headers a local handler would see, remembering the first one that is unfit.</summary>
    private readonly struct HeaderCheck(IncomingMessage message)
    {
        internal string? Text(string key)
        {
            if (!message.RawHeaders.TryGetValue(key, out var value) || value is null)
            {
                return null;
            }

            if (AsText(value) is not { } text)
            {
                Fail($"The header '{SenderText.Escape(key)}' is not text.");
                return null;
            }

            if (SenderText.HasControl(text))
            {
                Fail($"The header '{SenderText.Escape(key)}' contains a control character: '{SenderText.Escape(text)}'.");
                return null;
            }

            return text;
        }

        internal string? Property(string name, string? value)
        {
            if (value is not null && SenderText.HasControl(value))
            {
                Fail($"The property {name} contains a control character: '{SenderText.Escape(value)}'.");
                return null;
            }

            return value;
        }

        internal void Fail(string problem) => message.InvalidHeader ??= problem;
    }
}

/// <summary>One delivery as read by <see cref="Envelope.Read"/>.</summary>
internal sealed class IncomingMessage
{
    /// <summary>The AMQP properties as they arrived, for the dead-letter copy.</summary>
    internal IReadOnlyBasicProperties Properties { get; init; } = new BasicProperties();

    /// <summary>The body: a copy, or, when <see cref="TooLarge"/>, the client's buffer (valid during the delivery callback only).</summary>
    internal ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body is larger than <see cref="RabbitMQOptions.MaxMessageSize"/>: it was neither copied nor parsed.</summary>
    internal bool TooLarge { get; init; }

    internal ulong DeliveryTag { get; init; }

    internal bool Redelivered { get; init; }

    internal string Exchange { get; init; } = string.Empty;

    internal string RoutingKey { get; init; } = string.Empty;

    internal bool Persistent { get; init; }

    internal string? CorrelationId { get; init; }

    /// <summary>The sender's causation id (<see cref="RabbitMQHeaders.CausationId"/>), when it sent a valid one.</summary>
    internal Guid? CausationId { get; set; }

    /// <summary>The AMQP <c>user_id</c>: the broker refuses a publish whose <c>user_id</c> is not the publishing
    /// connection's user, so this one is verified.</summary>
    internal string? UserId { get; init; }

    internal string? ContentType { get; set; }

    internal IReadOnlyDictionary<string, object?> RawHeaders { get; set; } = new Dictionary<string, object?>();

    /// <summary>The sender's own headers, prefix removed, checked, without copies of the bridge's.</summary>
    internal IReadOnlyDictionary<string, string> SenderHeaders { get; set; } = new Dictionary<string, string>();

    /// <summary>Why a header a handler would see is unfit (a control character, not text), or <see langword="null"/>.</summary>
    internal string? InvalidHeader { get; set; }

    internal string? Id { get; set; }

    internal string? TypeName { get; set; }

    internal string? Source { get; set; }

    internal string? Subject { get; set; }

    internal DateTimeOffset? Time { get; set; }

    internal int SchemaVersion { get; set; } = 1;

    internal ActivityContext RemoteContext { get; set; }

    /// <summary>The idempotency key: the sender's id when it is a GUID, else a name-based UUID of it, the same on
    /// every delivery; a new GUID only when the message has no id at all.</summary>
    internal Guid Key() => ContextId() ?? Guid.NewGuid();

    /// <summary>The stable id of the message (its own GUID, or a name-based one of its id); null without a usable id.</summary>
    internal Guid? ContextId() => string.IsNullOrEmpty(Id) || StableId.For(Id) is var id && id == Guid.Empty ? null : id;
}
