namespace EventBus.RabbitMQ;

/// <summary>
/// The AMQP headers of a message the bridge publishes: CloudEvents attributes (AMQP-style
/// <c>cloudEvents:</c> names), the schema version, the W3C trace context, and the headers of the local
/// publish. The body is the event as JSON; the AMQP properties repeat the essentials
/// (<c>message_id</c>, <c>type</c>, <c>timestamp</c>, <c>content_type</c>, <c>correlation_id</c>,
/// persistent delivery mode) for tools that read only those.
/// </summary>
public static class RabbitMQHeaders
{
    /// <summary>The CloudEvents spec version: <c>1.0</c>.</summary>
    public const string SpecVersion = "cloudEvents:specversion";

    /// <summary>The event's id (the local <see cref="EventContext.Id"/> of the publish).</summary>
    public const string Id = "cloudEvents:id";

    /// <summary>Who published it (<see cref="RabbitMQOptions.Source"/>).</summary>
    public const string Source = "cloudEvents:source";

    /// <summary>The event's type name (<see cref="RabbitMQOptions.MapType{T}"/>).</summary>
    public const string Type = "cloudEvents:type";

    /// <summary>When it was published, ISO 8601 with the offset (the local <see cref="EventContext.Timestamp"/>).</summary>
    public const string Time = "cloudEvents:time";

    /// <summary>The body's media type: <c>application/json</c>.</summary>
    public const string DataContentType = "cloudEvents:datacontenttype";

    /// <summary>The topic it was published on locally, when it had one.</summary>
    public const string Subject = "cloudEvents:subject";

    /// <summary>The version of the body's shape (<see cref="RabbitMQOptions.MapType{T}"/>).</summary>
    public const string SchemaVersion = "eventbus-schema-version";

    /// <summary>The local event's <see cref="EventContext.CausationId"/>, when it had one: the id of the message whose
    /// handler published it, restored as the received event's causation id.</summary>
    public const string CausationId = "eventbus-causation-id";

    /// <summary>The W3C <c>traceparent</c> of the publishing span, so the trace continues in the consumer.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C <c>tracestate</c>, when there is one.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The prefix of the local publish's headers (<see cref="PublishOptions.Headers"/>): header <c>k</c>
    /// travels as <c>eventbus-header-k</c> and is restored as <c>k</c> on the other side.</summary>
    public const string HeaderPrefix = "eventbus-header-";

    /// <summary>On a dead letter: why it was dead-lettered (one of <see cref="RabbitMQDeadLetterReasons"/>).</summary>
    public const string DeadLetterReason = "x-eventbus-dead-letter-reason";

    /// <summary>On a dead letter: a one-line description of the failure (an exception's type and message).</summary>
    public const string DeadLetterDetail = "x-eventbus-dead-letter-detail";

    /// <summary>On a dead letter: the .NET type of the exception, when there was one.</summary>
    public const string ExceptionType = "x-eventbus-exception-type";

    /// <summary>On a dead letter: how many times the local handler was tried.</summary>
    public const string Attempts = "x-eventbus-attempts";

    /// <summary>On a dead letter: the queue it was taken from.</summary>
    public const string OriginalQueue = "x-eventbus-original-queue";

    /// <summary>On a dead letter: the exchange it was first published to.</summary>
    public const string OriginalExchange = "x-eventbus-original-exchange";

    /// <summary>On a dead letter: its original routing key.</summary>
    public const string OriginalRoutingKey = "x-eventbus-original-routing-key";

    /// <summary>On a dead letter: the user the original publisher authenticated as (its broker-verified
    /// <c>user_id</c>), when it had one. The copy itself is published by the bridge's user.</summary>
    public const string OriginalUserId = "x-eventbus-original-user-id";

    /// <summary>On a dead letter: when it was dead-lettered, ISO 8601.</summary>
    public const string DeadLetteredAt = "x-eventbus-dead-lettered-at";

    /// <summary>On a dead letter: the instance that gave up on it.</summary>
    public const string DeadLetteredBy = "x-eventbus-dead-lettered-by";
}
