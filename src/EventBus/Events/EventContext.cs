using System.Collections.Frozen;
using System.Diagnostics;

namespace EventBus;

/// <summary>
/// What travels with an event besides its payload: id, timestamp, type, topic, correlation id,
/// headers and the publisher's trace context. Immutable and shared by every subscription that
/// receives the same publish.
/// </summary>
/// <remarks>
/// A context is created only when someone needs it (a handler that takes one, publish options, or
/// a trace listener), so publishing to handlers that take the bare event allocates nothing. When
/// an event without a context fails, one is created for the dead letter; its timestamp is then
/// the time of that failure.
/// </remarks>
public sealed class EventContext
{
    private static readonly IReadOnlyDictionary<string, string> s_noHeaders =
        FrozenDictionary<string, string>.Empty;

    // Guid.Empty for none: a nullable Guid would make every context 8 bytes larger.
    private readonly Guid _causationId;

    /// <summary>Creates a context; the bus creates them itself, this is for tests and bridges.</summary>
    /// <param name="id">The event id.</param>
    /// <param name="timestamp">When the event was published.</param>
    /// <param name="eventType">The run-time type of the event.</param>
    /// <exception cref="ArgumentNullException"><paramref name="eventType"/> is null.</exception>
    public EventContext(Guid id, DateTimeOffset timestamp, Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        Id = id;
        Timestamp = timestamp;
        EventType = eventType;
    }

    /// <summary>A unique id for this publish, time-ordered (the UUID version 7 layout: the publish
    /// time's Unix milliseconds first).</summary>
    public Guid Id { get; }

    /// <summary>When the event was published, on the bus's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The run-time type of the event.</summary>
    public Type EventType { get; }

    /// <summary>The topic the event was published on, or <see langword="null"/>.</summary>
    public string? Topic { get; init; }

    /// <summary>The correlation id given by the publisher, or <see langword="null"/>.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The id of the event or work item whose handler published (or enqueued) this one; <see langword="null"/>
    /// when it was published from outside any handler.</summary>
    /// <value>Set by the bus. A handler's publishes and enqueues point at the item it is handling, in every awaited
    /// continuation of that handler; work made after the handler returned (fire-and-forget) points at whatever the
    /// same worker handles then, or at nothing. Batch handlers of a batching work queue handle many items at once, so
    /// their publishes carry none. When the item being handled carried no context (its handlers take the bare event
    /// and nobody asked for one), it has no id: the id is then that of the nearest item up the chain that had one (the
    /// item whose handler published it), or <see langword="null"/>. A tracker of the
    /// EventBus.Testing package makes every publish carry a context, so its trees are always complete. <see cref="Guid.Empty"/>
    /// reads back as <see langword="null"/>. A durable work queue (EventBus.Sqlite) does not store it in its file: its
    /// items carry it only while a tracker follows the queue, in the run that enqueued them.</value>
    public Guid? CausationId
    {
        get => _causationId == Guid.Empty ? null : _causationId;
        init => _causationId = value ?? Guid.Empty;
    }

    /// <summary>The headers given by the publisher; empty when none.</summary>
    public IReadOnlyDictionary<string, string> Headers
    {
        get;
        init => field = value ?? s_noHeaders;
    } = s_noHeaders;

    /// <summary>The trace context of the publisher's current <see cref="Activity"/> at publish time;
    /// <c>default</c> when there was none.</summary>
    public ActivityContext TraceContext { get; init; }

    /// <summary>Whether a handler may already have seen this item: a durable work queue handed it out before, and
    /// the process stopped (a crash, or a stop that did not wait for the handler) before the item's outcome was
    /// stored, so it is handed out again. A handler that is not idempotent on its own checks its records first
    /// (keyed by <see cref="Id"/>, which stays the same).</summary>
    /// <value>The default is <see langword="false"/>. Only durable work queues (the EventBus.Sqlite package) set it;
    /// in-memory subscriptions and work queues lose what they hold at a crash and never redeliver.</value>
    public bool Redelivered { get; init; }

    /// <summary>The number of the attempt this context belongs to, counting the failed attempts of earlier runs of
    /// the process: 1 for the first attempt, 2 for the first retry. Set by consumers that keep that count across
    /// restarts (durable work queues); an attempt cut short by a crash is not counted, so a redelivered item may
    /// see the same number again.</summary>
    /// <value>The default is 0: not counted (in-memory subscriptions and work queues, which report the attempt in
    /// telemetry instead).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int DeliveryAttempt
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(DeliveryAttempt));
            field = value;
        }
    }

    /// <summary>Counts the subscriptions that have finished with this publish, when the publisher asked
    /// to be told (<see cref="PublishOptions.OnSettled"/>); otherwise <see langword="null"/>.</summary>
    internal PubSub.PublishTracker? Tracker { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        Topic is null ? $"{EventType.Name} {Id}" : $"{EventType.Name} {Id} on '{Topic}'";

    internal static Guid NewId(DateTimeOffset timestamp) => Internal.TimeOrderedId.Next(timestamp);
}
