namespace EventBus;

/// <summary>Thrown by a publish (or enqueue) that found a bounded buffer full and could not wait: under
/// <see cref="BufferFullMode.Fail"/>, or a synchronous or in-handler publish whose overflow was full.</summary>
/// <remarks>A publish offers the event to every matching subscription before it throws, so the subscriptions that had
/// room keep it; <see cref="Subscriptions"/> names those that refused it.</remarks>
public sealed class EventBusFullException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public EventBusFullException()
        : this("The buffer is full.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public EventBusFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public EventBusFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the subscriptions or queues that refused the event.</summary>
    /// <param name="subscriptions">Their names.</param>
    public EventBusFullException(IReadOnlyList<string> subscriptions)
        : base(BuildMessage(subscriptions))
    {
        Subscriptions = subscriptions;
    }

    /// <summary>A refusal followed by another failure of the same publish (a cancelled wait for space on a later
    /// subscription): the caller hears the refusal, with the rest as the inner exception.</summary>
    internal EventBusFullException(IReadOnlyList<string> subscriptions, Exception innerException)
        : base(BuildMessage(subscriptions) + " The publish then stopped: " + innerException.Message, innerException)
    {
        Subscriptions = subscriptions;
    }

    /// <summary>The names of the subscriptions (or the queue) whose buffer was full.</summary>
    public IReadOnlyList<string> Subscriptions { get; } = [];

    private static string BuildMessage(IReadOnlyList<string> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        return subscriptions.Count == 1
            ? $"The buffer of '{subscriptions[0]}' is full and the publish could not wait."
            : $"The buffers of {subscriptions.Count} subscriptions are full and the publish could not wait: {string.Join(", ", subscriptions)}.";
    }
}
