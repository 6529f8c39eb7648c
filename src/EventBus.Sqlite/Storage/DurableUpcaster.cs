using System.Text.Json;

namespace EventBus.Sqlite.Storage;

/// <summary>Converts a stored payload written with an older schema version into the current item type. A
/// throw dead-letters the row (<see cref="SqliteDeadLetterReasons.UpcastFailed"/>) with the exception.</summary>
/// <param name="storedVersion">The schema version the row was written with (lower than the current one).</param>
/// <param name="payload">The stored JSON.</param>
internal delegate T DurableUpcaster<T>(int storedVersion, JsonElement payload);
