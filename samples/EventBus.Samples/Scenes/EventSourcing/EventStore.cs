namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// An append-only event log in memory. Appends name the stream version they expect, so two writers
/// that decided on the same old state cannot both append (optimistic concurrency).
/// </summary>
internal sealed class EventStore
{
    private readonly Lock _gate = new();
    private readonly List<StoredEvent> _log = [];

    public IReadOnlyList<StoredEvent> ReadAll()
    {
        lock (_gate)
        {
            return [.. _log];
        }
    }

    public IReadOnlyList<StoredEvent> ReadStream(string streamId)
    {
        lock (_gate)
        {
            return [.. _log.Where(e => e.StreamId == streamId)];
        }
    }

    /// <summary>Appends payloads to a stream if it is still at <paramref name="expectedVersion"/>.</summary>
    /// <exception cref="InvalidOperationException">Someone appended to the stream in between.</exception>
    public IReadOnlyList<StoredEvent> Append(string streamId, int expectedVersion, IReadOnlyList<(string Type, int SchemaVersion, string Data)> payloads)
    {
        lock (_gate)
        {
            var current = _log.Count(e => e.StreamId == streamId);
            if (current != expectedVersion)
            {
                throw new InvalidOperationException($"Stream {streamId} is at version {current}, not {expectedVersion}: decide again on the new state.");
            }

            var appended = new List<StoredEvent>(payloads.Count);
            foreach (var (type, schemaVersion, data) in payloads)
            {
                var stored = new StoredEvent(_log.Count + 1, streamId, ++current, type, schemaVersion, data);
                _log.Add(stored);
                appended.Add(stored);
            }

            return appended;
        }
    }
}
