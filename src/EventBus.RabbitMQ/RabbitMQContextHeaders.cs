namespace EventBus.RabbitMQ;

/// <summary>
/// Headers the bridge adds to the <see cref="EventContext.Headers"/> of an event that came in from the
/// broker and was published on the local bus. The local publish gets a new <see cref="EventContext.Id"/>
/// and <see cref="EventContext.Timestamp"/> (the bus assigns them), so the sender's are kept here; use
/// <see cref="MessageId"/> to make handlers idempotent across redeliveries. (Work-queue handlers receive a
/// context that carries the sender's id and time directly.)
/// </summary>
public static class RabbitMQContextHeaders
{
    /// <summary>The sender's event id (CloudEvents <c>id</c>): the same on every instance and every redelivery.</summary>
    public const string MessageId = "rabbitmq-message-id";

    /// <summary>The sender's publish time, ISO 8601 (CloudEvents <c>time</c>).</summary>
    public const string Time = "rabbitmq-time";

    /// <summary>The sender's CloudEvents <c>source</c>.</summary>
    public const string Source = "rabbitmq-source";

    /// <summary>The routing key the message arrived with.</summary>
    public const string RoutingKey = "rabbitmq-routing-key";

    /// <summary><c>true</c> when the broker flagged the message as redelivered (it may have been handled before).</summary>
    public const string Redelivered = "rabbitmq-redelivered";
}
