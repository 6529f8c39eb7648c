using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// How a queue's items are written and read: System.Text.Json through a <see cref="JsonTypeInfo{T}"/> (from a
/// source-generated context: no reflection, trimming- and AOT-safe), stamped with a schema version.
/// </summary>
/// <remarks>
/// A row of the current version is read as <typeparamref name="T"/>. A row of an older version goes through
/// the upcaster when there is one, and is otherwise read as the current shape (which suits additive
/// changes: new properties take their defaults). A row of a newer version is never guessed at: it is
/// dead-lettered (<see cref="SqliteDeadLetterReasons.UnsupportedSchemaVersion"/>).
/// </remarks>
internal sealed class DurableItemFormat<T>
{
    internal DurableItemFormat(JsonTypeInfo<T> typeInfo, int schemaVersion = 1, DurableUpcaster<T>? upcaster = null)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        TypeInfo = typeInfo;
        SchemaVersion = schemaVersion;
        Upcaster = upcaster;
    }

    internal JsonTypeInfo<T> TypeInfo { get; }

    internal int SchemaVersion { get; }

    internal DurableUpcaster<T>? Upcaster { get; }

    /// <exception cref="JsonException">or <see cref="NotSupportedException"/>/<see cref="ArgumentException"/>:
    /// the item cannot be written as JSON (for example a NaN without named floating-point literals).</exception>
    internal byte[] Write(T item) => JsonSerializer.SerializeToUtf8Bytes(item, TypeInfo);

    /// <summary>Reads a stored payload; never throws for bad data.</summary>
    /// <returns>True with the item, or false with the dead-letter reason and a description of the problem.</returns>
    internal bool TryRead(int storedVersion, byte[] payload, out T item, out string reason, out string? errorType, out string detail)
    {
        item = default!;
        errorType = null;
        if (storedVersion > SchemaVersion)
        {
            reason = SqliteDeadLetterReasons.UnsupportedSchemaVersion;
            detail = $"The row has schema version {storedVersion}, newer than version {SchemaVersion}, the newest this application knows for {typeof(T).Name}.";
            return false;
        }

        if (storedVersion < SchemaVersion && Upcaster is { } upcaster)
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
                item = upcaster(storedVersion, document.RootElement);
            }
            catch (JsonException e)
            {
                return Unreadable(e, out reason, out errorType, out detail);
            }
            catch (Exception e)
            {
                reason = SqliteDeadLetterReasons.UpcastFailed;
                errorType = e.GetType().FullName;
                detail = $"Upcasting schema version {storedVersion} to {SchemaVersion} failed: {e.Message}";
                return false;
            }

            if (item is null)
            {
                reason = SqliteDeadLetterReasons.UpcastFailed;
                detail = $"Upcasting schema version {storedVersion} to {SchemaVersion} returned null.";
                return false;
            }

            reason = string.Empty;
            detail = string.Empty;
            return true;
        }

        try
        {
            item = JsonSerializer.Deserialize(payload, TypeInfo)!;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return Unreadable(e, out reason, out errorType, out detail);
        }

        if (item is null)
        {
            reason = SqliteDeadLetterReasons.DeserializationFailed;
            detail = $"The payload is JSON null, not a {typeof(T).Name}.";
            return false;
        }

        reason = string.Empty;
        detail = string.Empty;
        return true;
    }

    private static bool Unreadable(Exception e, out string reason, out string? errorType, out string detail)
    {
        reason = SqliteDeadLetterReasons.DeserializationFailed;
        errorType = e.GetType().FullName;
        detail = $"The payload cannot be read as {typeof(T).Name}: {e.Message}";
        return false;
    }
}
