namespace EventBus.RabbitMQ;

/// <summary>
/// Headers the bridge adds to the <see cref="EventContext.Headers"/> of an event that came in from the
/// broker and was published on the local bus (or enqueued in a work queue). They are the bridge's own: it sets
/// them from the delivery and the message's properties, and drops any header of a sender that would land on one
/// of these names (any name starting with <c>rabbitmq-</c>, in any letter case). They describe the hop the event
/// came in on, so the bridge does not send them on when a handler publishes the event again.
/// </summary>
/// <remarks>
/// The local publish of a pub/sub event gets a new <see cref="EventContext.Id"/> and
/// <see cref="EventContext.Timestamp"/> (the bus assigns them), so the sender's are kept here; use
/// <see cref="MessageId"/> to make handlers idempotent across redeliveries. (Work-queue handlers receive a
/// context whose <see cref="EventContext.Id"/> is already the stable key of the sender's id.) Only
/// <see cref="UserId"/>, <see cref="Exchange"/>, <see cref="RoutingKey"/> and <see cref="Redelivered"/> are
/// established by the broker; the id, time and source are what the sender claims.
/// </remarks>
public static class RabbitMQContextHeaders
{
    /// <summary>The sender's message id (CloudEvents <c>id</c>, else the AMQP <c>message_id</c>): the same on every
    /// instance and every redelivery. Absent when the message has none.</summary>
    public const string MessageId = "rabbitmq-message-id";

    /// <summary>The sender's publish time, ISO 8601 with the offset (read from CloudEvents <c>time</c>, else the AMQP
    /// <c>timestamp</c>, and written back in the round-trip format).</summary>
    public const string Time = "rabbitmq-time";

    /// <summary>The sender's CloudEvents <c>source</c> (else the AMQP <c>app_id</c>): a claim, not verified.</summary>
    public const string Source = "rabbitmq-source";

    /// <summary>The user the sender's connection authenticated as (AMQP <c>user_id</c>), when the sender set it. The
    /// broker refuses a message whose <c>user_id</c> is not its publisher's user, so this one can be trusted; the
    /// bridge sets it on everything it sends.</summary>
    public const string UserId = "rabbitmq-user-id";

    /// <summary>The exchange the message was delivered from.</summary>
    public const string Exchange = "rabbitmq-exchange";

    /// <summary>The routing key the message arrived with.</summary>
    public const string RoutingKey = "rabbitmq-routing-key";

    /// <summary><c>true</c> when the broker flagged the delivery as redelivered (it may have been handled before);
    /// absent otherwise.</summary>
    public const string Redelivered = "rabbitmq-redelivered";
}
