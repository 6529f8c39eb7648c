namespace EventBus.Sqlite;

/// <summary>Why an item was moved to the dead-letter table: the value of its <c>reason</c> column.</summary>
public static class SqliteDeadLetterReasons
{
    /// <summary>The handler failed on every attempt the retry policy allowed.</summary>
    public const string HandlerFailed = "handler-failed";

    /// <summary>The stored payload could not be read as the queue's item type (malformed JSON, wrong shape,
    /// or a JSON <c>null</c>).</summary>
    public const string DeserializationFailed = "deserialization-failed";

    /// <summary>The row's schema version is newer than the version this application knows.</summary>
    public const string UnsupportedSchemaVersion = "unsupported-schema-version";

    /// <summary>The row has an older schema version and the queue's upcaster threw while converting it.</summary>
    public const string UpcastFailed = "upcast-failed";
}
