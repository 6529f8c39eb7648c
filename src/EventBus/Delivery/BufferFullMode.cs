namespace EventBus;

/// <summary>What happens when a publish finds a bounded buffer full.</summary>
/// <remarks>Every mode except <see cref="Wait"/> loses events on purpose; each loss is counted and reported through
/// <see cref="EventBusOptions.OnDropped"/>, never silent.</remarks>
public enum BufferFullMode
{
    /// <summary>The publisher waits for space: backpressure. The default.</summary>
    Wait = 0,

    /// <summary>The oldest buffered event is dropped to make room for the new one.</summary>
    DropOldest = 1,

    /// <summary>The newest buffered event is dropped to make room for the new one.</summary>
    DropNewest = 2,

    /// <summary>The event being published is dropped; the buffer is left as it was.</summary>
    DropWrite = 3,

    /// <summary>The publish throws <see cref="EventBusFullException"/> at once.</summary>
    Fail = 4,
}
