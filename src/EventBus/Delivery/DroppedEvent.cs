namespace EventBus;

/// <summary>Describes an event that a subscription or a queue did not handle, as reported to
/// <see cref="EventBusOptions.OnDropped"/>.</summary>
/// <remarks>The payload is boxed when the event is a struct; drops are the rare path.</remarks>
public sealed class DroppedEvent
{
    internal DroppedEvent(object? @event, Type eventType, EventContext? context, string source, DropReason reason)
    {
        Event = @event;
        EventType = eventType;
        Context = context;
        Source = source;
        Reason = reason;
    }

    /// <summary>The event that was dropped.</summary>
    public object? Event { get; }

    /// <summary>The event's type.</summary>
    public Type EventType { get; }

    /// <summary>The event's context, when one was created for it.</summary>
    public EventContext? Context { get; }

    /// <summary>The name of the subscription or queue that dropped it.</summary>
    public string Source { get; }

    /// <summary>Why it was dropped.</summary>
    public DropReason Reason { get; }
}
