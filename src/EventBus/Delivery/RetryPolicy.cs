namespace EventBus;

/// <summary>How often, and how far apart, a failed handler is tried again before its event or item is dead-lettered.
/// Immutable: build one with an object initializer and share it freely.</summary>
/// <remarks>A handler runs at most <c>1 + <see cref="MaxRetries"/></c> times. The delay before retry <c>n</c> follows
/// <see cref="Backoff"/>, is capped at <see cref="MaxDelay"/>, and is then spread by ± <see cref="Jitter"/> so that
/// many failing consumers do not retry in lock step. Delays are measured on the bus's
/// <see cref="TimeProvider"/>.</remarks>
public sealed class RetryPolicy
{
    /// <summary>No retries: a failed handler is dead-lettered after its first attempt.</summary>
    public static RetryPolicy None { get; } = new() { MaxRetries = 0 };

    /// <summary>The default policy: 3 retries, exponential from 100 ms, capped at 10 s, ±20 % jitter.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>How many times a failed handler is tried again.</summary>
    /// <value>The default is 3.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxRetries
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxRetries));
            field = value;
        }
    } = 3;

    /// <summary>The delay unit that <see cref="Backoff"/> scales.</summary>
    /// <value>The default is 100 milliseconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan BaseDelay
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(BaseDelay));
            field = value;
        }
    } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between two attempts, before jitter.</summary>
    /// <value>The default is 10 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan MaxDelay
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaxDelay));
            field = value;
        }
    } = TimeSpan.FromSeconds(10);

    /// <summary>How the delay grows from one retry to the next.</summary>
    /// <value>The default is <see cref="BackoffKind.Exponential"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="BackoffKind"/>.</exception>
    public BackoffKind Backoff
    {
        get;
        init
        {
            if (value is < BackoffKind.Fixed or > BackoffKind.Exponential)
            {
                throw new ArgumentOutOfRangeException(nameof(Backoff), value, "Unknown backoff kind.");
            }

            field = value;
        }
    } = BackoffKind.Exponential;

    /// <summary>The fraction by which each delay is randomly spread, in [0, 1]: 0.2 turns 1 s into anything from 0.8 s
    /// to 1.2 s; 0 makes delays exact.</summary>
    /// <value>The default is 0.2.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1] or not a number.</exception>
    public double Jitter
    {
        get;
        init
        {
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Jitter), value, "Jitter must be between 0 and 1.");
            }

            field = value;
        }
    } = 0.2;

    /// <summary>The source of randomness for <see cref="Jitter"/>: a number in [0, 1), as
    /// <see cref="Random.NextDouble"/> returns. Replace it to make jittered delays repeatable; it is called once per
    /// jittered delay, possibly from several consumer threads at once.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="Random.Shared"/>.</value>
    public Func<double>? Randomizer { get; init; }

    /// <summary>Decides whether a failure is worth retrying: <see langword="false"/> (or an exception from the
    /// predicate) dead-letters the message at once, for errors another attempt cannot fix.</summary>
    /// <value>The default is <see langword="null"/>: every failure is retried.</value>
    public Func<Exception, bool>? ShouldRetry { get; init; }

    /// <summary>Returns a copy of this policy whose <see cref="ShouldRetry"/> is <paramref name="shouldRetry"/>.</summary>
    /// <param name="shouldRetry">The new predicate, or <see langword="null"/> to retry every failure.</param>
    /// <returns>A new policy with the same schedule.</returns>
    public RetryPolicy WithShouldRetry(Func<Exception, bool>? shouldRetry) => new()
    {
        MaxRetries = MaxRetries,
        BaseDelay = BaseDelay,
        MaxDelay = MaxDelay,
        Backoff = Backoff,
        Jitter = Jitter,
        Randomizer = Randomizer,
        ShouldRetry = shouldRetry,
    };

    /// <summary>Computes the delay before a retry.</summary>
    /// <param name="retry">The retry number, starting at 1.</param>
    /// <returns>The delay to wait before that retry.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retry"/> is less than 1.</exception>
    public TimeSpan GetDelay(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);

        double baseTicks = BaseDelay.Ticks;
        double ticks = Backoff switch
        {
            BackoffKind.Fixed => baseTicks,
            BackoffKind.Linear => baseTicks * retry,
            _ => baseTicks * Math.Pow(2, Math.Min(retry - 1, 62)),
        };

        ticks = Math.Min(ticks, MaxDelay.Ticks);
        if (Jitter > 0 && ticks > 0)
        {
            var sample = Randomizer is { } randomizer ? Math.Clamp(randomizer(), 0, 1) : Random.Shared.NextDouble();
            ticks *= 1 + (Jitter * ((sample * 2) - 1));
        }

        return TimeSpan.FromTicks((long)Math.Max(0, ticks));
    }
}
