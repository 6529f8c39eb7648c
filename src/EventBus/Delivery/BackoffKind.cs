namespace EventBus;

/// <summary>How the delay between retries grows.</summary>
public enum BackoffKind
{
    /// <summary>Every retry waits <see cref="RetryPolicy.BaseDelay"/>.</summary>
    Fixed = 0,

    /// <summary>Retry <c>n</c> waits <c>n × BaseDelay</c>.</summary>
    Linear = 1,

    /// <summary>Retry <c>n</c> waits <c>2^(n-1) × BaseDelay</c>.</summary>
    Exponential = 2,
}
