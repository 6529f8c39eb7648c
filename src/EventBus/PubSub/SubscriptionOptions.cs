namespace EventBus;

/// <summary>Settings for one subscription. Values are copied when the subscription is created, so
/// one instance can configure many subscriptions.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>The default buffer capacity of a queued subscription.</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>A name for logs, metrics and dead letters.</summary>
    /// <value>The default is <see langword="null"/>: the event type's name followed by a sequence number.</value>
    public string? Name { get; set; }

    /// <summary>Receive only events published on this topic. Without a topic, the subscription
    /// receives every event of its type, whatever topic it was published on.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? Topic
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Topic));
            }

            field = value;
        }
    }

    /// <summary>Queued (own buffer and consumer loop) or inline (on the publisher's thread).</summary>
    /// <value>The default is <see cref="DeliveryMode.Queued"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="DeliveryMode"/>.</exception>
    public DeliveryMode Mode
    {
        get;
        set
        {
            if (value is not (DeliveryMode.Queued or DeliveryMode.Inline))
            {
                throw new ArgumentOutOfRangeException(nameof(Mode), value, "Unknown delivery mode.");
            }

            field = value;
        }
    }

    /// <summary>How many events a queued subscription buffers.</summary>
    /// <value>The default is <see cref="DefaultCapacity"/> (1024).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int Capacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Capacity));
            field = value;
        }
    } = DefaultCapacity;

    /// <summary>What a publish does when the buffer is full.</summary>
    /// <value>The default is <see cref="BufferFullMode.Wait"/> (backpressure).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="BufferFullMode"/>.</exception>
    public BufferFullMode FullMode
    {
        get;
        set
        {
            if (value is < BufferFullMode.Wait or > BufferFullMode.Fail)
            {
                throw new ArgumentOutOfRangeException(nameof(FullMode), value, "Unknown full mode.");
            }

            field = value;
        }
    }

    /// <summary>
    /// Under <see cref="BufferFullMode.Wait"/>, how many publishes that may not wait can queue up
    /// behind a full buffer: synchronous <c>Publish</c> calls, and publishes made from inside a
    /// handler (which could otherwise deadlock by waiting on their own consumer). They join the
    /// buffer in order as it drains. When this overflow is full too, such a publish throws
    /// <see cref="EventBusFullException"/>. Zero makes them fail fast at once.
    /// </summary>
    /// <value>The default is <see cref="DefaultCapacity"/> (1024).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int OverflowCapacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(OverflowCapacity));
            field = value;
        }
    } = DefaultCapacity;

    /// <summary>How many events a queued subscription handles at the same time. Above 1, events
    /// are handled in parallel and their order is not kept.</summary>
    /// <value>The default is 1 (strict order).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxConcurrency
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxConcurrency));
            field = value;
        }
    } = 1;

    /// <summary>How a failed handler is retried before its event is dead-lettered.</summary>
    /// <value>The default is <see cref="RetryPolicy.Default"/>.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public RetryPolicy RetryPolicy
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(RetryPolicy));
            field = value;
        }
    } = RetryPolicy.Default;

    /// <summary>Where this subscription's dead letters go.</summary>
    /// <value>The default is <see langword="null"/>: the bus's <see cref="EventBusOptions.DeadLetterSink"/>.</value>
    public IDeadLetterSink? DeadLetterSink { get; set; }
}
