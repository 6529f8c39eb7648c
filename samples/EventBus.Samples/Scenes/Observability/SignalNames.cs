namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// The names the bus reports under (OpenTelemetry messaging conventions, plus a few of its own):
/// what you would type into a dashboard or an alert.
/// </summary>
internal static class SignalNames
{
    public const string Sent = "messaging.client.sent.messages";
    public const string Consumed = "messaging.client.consumed.messages";
    public const string ProcessDuration = "messaging.process.duration";
    public const string Lag = "eventbus.consumer.lag";
    public const string QueueDepth = "eventbus.queue.depth";
    public const string Dropped = "eventbus.messages.dropped";
    public const string Retried = "eventbus.messages.retried";
    public const string DeadLettered = "eventbus.messages.dead_lettered";

    public const string Subscription = "messaging.destination.subscription.name";
    public const string Destination = "messaging.destination.name";
    public const string MessageId = "messaging.message.id";
    public const string DeliveryAttempt = "messaging.eventbus.message.delivery_attempt";
    public const string ErrorType = "error.type";
    public const string DropReason = "eventbus.drop.reason";
}
