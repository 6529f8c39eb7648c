namespace EventBus.Diagnostics;

/// <summary>Attribute names and values from the OpenTelemetry messaging semantic conventions, in one place.</summary>
internal static class Conventions
{
    internal const string System = "messaging.system";
    internal const string SystemValue = "eventbus";
    internal const string OperationName = "messaging.operation.name";
    internal const string OperationType = "messaging.operation.type";
    internal const string DestinationName = "messaging.destination.name";
    internal const string SubscriptionName = "messaging.destination.subscription.name";
    internal const string ConsumerGroupName = "messaging.consumer.group.name";
    internal const string MessageId = "messaging.message.id";

    /// <summary>Where the conventions put our <see cref="EventContext.CorrelationId"/>.</summary>
    internal const string ConversationId = "messaging.message.conversation_id";
    internal const string BatchMessageCount = "messaging.batch.message_count";
    internal const string ErrorType = "error.type";

    /// <summary>System-specific, as other systems do (<c>messaging.gcp_pubsub.message.delivery_attempt</c>).</summary>
    internal const string DeliveryAttempt = "messaging.eventbus.message.delivery_attempt";

    /// <summary>Why a message was dropped (a <see cref="DropReason"/> name).</summary>
    internal const string DropReason = "eventbus.drop.reason";

    internal const string Publish = "publish";
    internal const string Send = "send";
    internal const string Process = "process";
}
