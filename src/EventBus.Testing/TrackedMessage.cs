namespace EventBus.Testing;

/// <summary>One message of a tracked session: an event published on the bus or an item enqueued on a work queue, with
/// what caused it, what it caused and how each consumer finished with it.</summary>
public sealed class TrackedMessage
{
    private readonly List<TrackedMessage> _caused = [];

    internal TrackedMessage(EventContext context, object? message, string? queue, IReadOnlyList<TrackedOutcome> outcomes, bool isSettled)
    {
        Context = context;
        Message = message;
        Queue = queue;
        Outcomes = outcomes;
        IsSettled = isSettled;
    }

    /// <summary>The message's context, the same instance its handlers received (id, topic, causation id, headers).</summary>
    public EventContext Context { get; }

    /// <summary>The event or work item itself.</summary>
    public object? Message { get; }

    /// <summary>The run-time type of the message.</summary>
    public Type MessageType => Context.EventType;

    /// <summary>The topic it was published on; <see langword="null"/> without one, and for work items.</summary>
    public string? Topic => Context.Topic;

    /// <summary>The work queue's name for an enqueued item; <see langword="null"/> for a published event.</summary>
    public string? Queue { get; }

    /// <summary>The message whose handler published or enqueued this one; <see langword="null"/> for a root (published
    /// by the code under test itself).</summary>
    public TrackedMessage? Cause { get; internal set; }

    /// <summary>The messages this one's handlers published or enqueued, in the order they were made.</summary>
    public IReadOnlyList<TrackedMessage> Caused => _caused;

    /// <summary>How each consumer finished with the message, in the order they finished. A published event has one
    /// per subscription it reached (none when nothing subscribed); an enqueued item has one.</summary>
    public IReadOnlyList<TrackedOutcome> Outcomes { get; }

    /// <summary>True once every consumer the message reached had finished with it; false only in the session of a
    /// <see cref="TrackingTimeoutException"/>.</summary>
    public bool IsSettled { get; }

    /// <summary>True when the message is settled and every consumer handled it.</summary>
    public bool AllHandled => IsSettled && Outcomes.All(o => o.Kind == TrackedOutcomeKind.Handled);

    internal void AddCaused(TrackedMessage message) => _caused.Add(message);

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Queue is not null ? $" on queue '{Queue}'" : Topic is not null ? $" on '{Topic}'" : string.Empty;
        var state = IsSettled ? string.Join("; ", Outcomes) : $"PENDING ({Outcomes.Count} finished so far{(Outcomes.Count == 0 ? string.Empty : ": " + string.Join("; ", Outcomes))})";
        return $"{MessageType.Name} {Context.Id}{where}: {(state.Length == 0 ? "no consumer" : state)}";
    }
}
