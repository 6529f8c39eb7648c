namespace EventBus;

/// <summary>A failure observed while delivering, as reported to <see cref="EventBusOptions.OnError"/>.</summary>
public sealed class DeliveryError
{
    internal DeliveryError(
        DeliveryErrorKind kind, Exception exception, string source, Type eventType, EventContext? context, int attempt, bool willRetry)
    {
        Kind = kind;
        Exception = exception;
        Source = source;
        EventType = eventType;
        Context = context;
        Attempt = attempt;
        WillRetry = willRetry;
    }

    /// <summary>What failed.</summary>
    public DeliveryErrorKind Kind { get; }

    /// <summary>The exception.</summary>
    public Exception Exception { get; }

    /// <summary>The name of the subscription or queue concerned.</summary>
    public string Source { get; }

    /// <summary>The type of the event or item being delivered.</summary>
    public Type EventType { get; }

    /// <summary>The event's context, when one exists.</summary>
    public EventContext? Context { get; }

    /// <summary>The attempt number that failed (1 for the first attempt), or 0 when not about an attempt.</summary>
    public int Attempt { get; }

    /// <summary>Whether another attempt will be made.</summary>
    public bool WillRetry { get; }
}
