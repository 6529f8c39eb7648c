using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace EventBus;

/// <summary>Settings for an event bus.</summary>
public sealed class EventBusOptions
{
    /// <summary>The clock for event timestamps, retry backoff and drain deadlines.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(TimeProvider));
            field = value;
        }
    } = TimeProvider.System;

    /// <summary>Where the bus logs handler failures, dead letters, drops and drains. Payloads are never logged.</summary>
    /// <value>The default is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the bus's <see cref="Meter"/> (named <see cref="EventBusDiagnostics.MeterName"/>). The
    /// dependency-injection package sets the container's factory.</summary>
    /// <value>The default is <see langword="null"/>: the bus creates a meter of its own and disposes it with the bus.</value>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Whether a handler's <c>process</c> span links to the publisher's <c>publish</c> span (a trace per
    /// delivery, the messaging convention) or, when <see langword="false"/>, is its child (one trace).</summary>
    /// <value>The default is <see langword="true"/> (linked).</value>
    public bool LinkProcessSpans { get; set; } = true;

    /// <summary>Where dead letters go unless a subscription names its own sink.</summary>
    /// <value>The default is a new in-memory <see cref="DeadLetterQueue"/>.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public IDeadLetterSink DeadLetterSink
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(DeadLetterSink));
            field = value;
        }
    } = new DeadLetterQueue();

    /// <summary>Called for every event a subscription did not handle: dropped by a full mode, rejected, discarded by
    /// <c>Dispose</c>, or abandoned at a drain deadline. Runs on the thread that dropped the event, never under a lock
    /// of the bus; exceptions it throws are logged and reported through <see cref="OnError"/>.</summary>
    /// <value>The default is <see langword="null"/>. Drops are counted either way.</value>
    public Action<DroppedEvent>? OnDropped { get; set; }

    /// <summary>Called for every failed handler attempt and every failure of the dead-letter sink. Runs on the
    /// consumer's thread, never under a lock of the bus; exceptions it throws are logged.</summary>
    /// <value>The default is <see langword="null"/>. Failures are logged and counted either way.</value>
    public Action<DeliveryError>? OnError { get; set; }

    /// <summary>How long <c>DisposeAsync</c> waits for subscriptions to drain before abandoning what is left.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan DrainTimeout
    {
        get;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(DrainTimeout), value, "The drain timeout must not be negative.");
            }

            field = value;
        }
    } = TimeSpan.FromSeconds(30);
}
