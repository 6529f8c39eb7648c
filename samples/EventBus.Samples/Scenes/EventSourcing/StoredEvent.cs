namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>One entry of the append-only log, as written: a type name, the schema version it was
/// written with, and the payload as JSON. Entries are never changed after they are written.</summary>
/// <param name="Position">The entry's place in the whole log, from 1.</param>
/// <param name="StreamId">The account it belongs to.</param>
/// <param name="StreamVersion">Its place in that account's stream, from 1.</param>
/// <param name="Type">The event type's name.</param>
/// <param name="SchemaVersion">The payload's schema version.</param>
/// <param name="Data">The payload.</param>
internal sealed record StoredEvent(long Position, string StreamId, int StreamVersion, string Type, int SchemaVersion, string Data);
