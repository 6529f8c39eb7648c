namespace EventBus.RabbitMQ;

/// <summary>
/// An event's serialized body is larger than <see cref="RabbitMQOptions.MaxMessageSize"/>, so the bridge does not
/// send it: the forward fails at once, without retries, and the event goes to the bus's
/// <see cref="IDeadLetterSink"/> with this exception.
/// </summary>
public sealed class RabbitMQMessageTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RabbitMQMessageTooLargeException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public RabbitMQMessageTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public RabbitMQMessageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a body of <paramref name="size"/> bytes over a limit of <paramref name="maxSize"/> bytes.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="size">The body's size in bytes.</param>
    /// <param name="maxSize">The limit in bytes.</param>
    public RabbitMQMessageTooLargeException(string message, long size, long maxSize)
        : base(message)
    {
        Size = size;
        MaxSize = maxSize;
    }

    /// <summary>The serialized body's size in bytes (0 when not given).</summary>
    public long Size { get; }

    /// <summary>The limit it exceeded, in bytes (0 when not given).</summary>
    public long MaxSize { get; }
}
