namespace EventBus.RabbitMQ;

/// <summary>The bridge could not connect to the broker or set up its exchanges and queues. The message names
/// the endpoint with the password redacted; the inner exception is the client's.</summary>
public sealed class RabbitMQBridgeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RabbitMQBridgeException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public RabbitMQBridgeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public RabbitMQBridgeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
