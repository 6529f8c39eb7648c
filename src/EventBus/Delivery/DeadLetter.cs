namespace EventBus;

/// <summary>An event or work item whose handler failed on every attempt, with what is known about the failure.</summary>
public sealed class DeadLetter
{
    /// <summary>Creates a dead letter.</summary>
    /// <param name="message">The event or item that failed.</param>
    /// <param name="messageType">Its type.</param>
    /// <param name="context">Its context, when one exists.</param>
    /// <param name="source">The name of the subscription or queue whose handler failed.</param>
    /// <param name="exception">The exception of the last attempt.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="firstFailedAt">When the first attempt failed.</param>
    /// <param name="deadLetteredAt">When the message was given up on.</param>
    /// <exception cref="ArgumentNullException">A reference argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempts"/> is less than 1.</exception>
    public DeadLetter(
        object message,
        Type messageType,
        EventContext? context,
        string source,
        Exception exception,
        int attempts,
        DateTimeOffset firstFailedAt,
        DateTimeOffset deadLetteredAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageType);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);

        Message = message;
        MessageType = messageType;
        Context = context;
        Source = source;
        Exception = exception;
        Attempts = attempts;
        FirstFailedAt = firstFailedAt;
        DeadLetteredAt = deadLetteredAt;
    }

    /// <summary>The event or item that failed (boxed when it is a struct).</summary>
    public object Message { get; }

    /// <summary>The type of <see cref="Message"/>.</summary>
    public Type MessageType { get; }

    /// <summary>The event's context (id, timestamp, topic, correlation id, headers), when one exists.</summary>
    public EventContext? Context { get; }

    /// <summary>The name of the subscription or queue whose handler failed.</summary>
    public string Source { get; }

    /// <summary>The exception thrown by the last attempt.</summary>
    public Exception Exception { get; }

    /// <summary>How many times the handler was tried.</summary>
    public int Attempts { get; }

    /// <summary>When the first attempt failed, on the bus's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset FirstFailedAt { get; }

    /// <summary>When the message was dead-lettered, on the bus's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset DeadLetteredAt { get; }
}
