namespace EventBus.RabbitMQ;

/// <summary>The values of the <see cref="RabbitMQHeaders.DeadLetterReason"/> header on a dead letter.</summary>
public static class RabbitMQDeadLetterReasons
{
    /// <summary>The local handler failed on every attempt (a work-queue item, or a local subscriber of a
    /// pub/sub event, whose dead letter the bridge copies to the broker).</summary>
    public const string HandlerFailed = "handler-failed";

    /// <summary>No type of that name is registered to come in on this queue.</summary>
    public const string UnknownType = "unknown-type";

    /// <summary>The body could not be read as the registered type (malformed JSON, wrong shape, empty).</summary>
    public const string DeserializationFailed = "deserialization-failed";

    /// <summary>The message's content type is not JSON.</summary>
    public const string UnsupportedContentType = "unsupported-content-type";

    /// <summary>The message's schema version is newer than the one this application knows.</summary>
    public const string UnsupportedSchemaVersion = "unsupported-schema-version";

    /// <summary>The local bus refused the event on every attempt (a full subscription under <see cref="BufferFullMode.Fail"/>).</summary>
    public const string LocalPublishFailed = "local-publish-failed";

    /// <summary>The body is larger than <see cref="RabbitMQOptions.MaxMessageSize"/>; it was dead-lettered without
    /// being copied or parsed.</summary>
    public const string TooLarge = "too-large";

    /// <summary>A header or property a local handler would see contains a control character (CR, LF...) or is not
    /// text (a table, an array). The detail names it, escaped.</summary>
    public const string InvalidHeader = "invalid-header";
}
