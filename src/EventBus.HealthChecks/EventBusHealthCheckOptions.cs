namespace EventBus;

/// <summary>What the event bus health check (<c>AddHealthChecks().AddEventBus()</c>) treats as trouble.</summary>
public sealed class EventBusHealthCheckOptions
{
    /// <summary>The default <see cref="FillRatio"/>: 80 %.</summary>
    public const double DefaultFillRatio = 0.8;

    /// <summary>
    /// How full a queued subscription's or a work queue's buffer may be (pending messages over capacity)
    /// before the check reports <c>Degraded</c>: when two checks in a row find it at or above this ratio,
    /// the consumer is not keeping up. A single reading above it is a burst, and is not reported.
    /// </summary>
    /// <value>The default is <see cref="DefaultFillRatio"/> (0.8).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in (0, 1].</exception>
    public double FillRatio
    {
        get;
        set
        {
            if (double.IsNaN(value) || value <= 0 || value > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(FillRatio), value, "The fill ratio must be greater than 0 and at most 1.");
            }

            field = value;
        }
    } = DefaultFillRatio;

    /// <summary>
    /// How long a consumer with pending work may go without finishing any message (handled, failed,
    /// dead-lettered, dropped) before the check reports its failure status (<c>Unhealthy</c> unless the
    /// registration says otherwise). Measured on the container's <see cref="TimeProvider"/>, between checks.
    /// </summary>
    /// <value>The default is 1 minute.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative or infinite.</exception>
    public TimeSpan StallTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(StallTimeout));
            if (value == Timeout.InfiniteTimeSpan || value == TimeSpan.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(StallTimeout), value, "The stall timeout must be finite.");
            }

            field = value;
        }
    } = TimeSpan.FromMinutes(1);
}
