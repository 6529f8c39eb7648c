namespace EventBus;

/// <summary>Receives the events and items whose handlers failed on every attempt.</summary>
/// <remarks>Implement it to persist dead letters (a table, a file, a broker queue). It is called from the consumer that
/// gave up, never under a lock of the bus. If it throws, the failure is logged and reported through
/// <see cref="EventBusOptions.OnError"/> (surfaced, not swallowed), and the message still counts as dead-lettered.</remarks>
public interface IDeadLetterSink
{
    /// <summary>Stores one dead letter.</summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <param name="cancellationToken">Fires when the consumer is being stopped.</param>
    /// <returns>A task that completes when the dead letter is stored.</returns>
    ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken);
}
