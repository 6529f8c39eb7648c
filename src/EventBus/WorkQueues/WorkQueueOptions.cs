using EventBus.WorkQueues;

namespace EventBus;

/// <summary>Settings for one work queue. Values are read once, when the queue is created, so one
/// instance can configure several queues (give each its own <see cref="Name"/>).</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// The clock, logger, dead-letter sink, drop and error callbacks and drain timeout are not repeated
/// here: they are the same settings a bus has, so they live in <see cref="Shared"/>, an
/// <see cref="EventBusOptions"/>. A queue that should behave like a bus (same clock, same sink, same
/// callbacks) can be given that bus's options object.
/// </remarks>
public sealed class WorkQueueOptions<T>
{
    /// <summary>A name for logs, dead letters and drop reports; re-driving dead letters picks the
    /// letters whose <see cref="DeadLetter.Source"/> is this name.</summary>
    /// <value>The default is <see langword="null"/>: the item type's name.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? Name
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Name));
            }

            field = value;
        }
    }

    /// <summary>How many items the queue buffers before the <see cref="FullMode"/> applies. In partitioned
    /// and batching modes up to this many more items may sit in per-key queues or formed batches.</summary>
    /// <value>The default is 1024.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int Capacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Capacity));
            field = value;
        }
    } = SubscriptionOptions.DefaultCapacity;

    /// <summary>What an enqueue does when the buffer is full.</summary>
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
    /// Under <see cref="BufferFullMode.Wait"/>, how many enqueues made from inside a handler may queue up
    /// behind a full buffer. Such an enqueue must not wait (it could wait on its own worker and
    /// deadlock), so it becomes a pending write that joins the buffer in order as it drains. When the
    /// overflow is full too it throws <see cref="EventBusFullException"/>. Zero makes it fail at once.
    /// </summary>
    /// <value>The default is 1024.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int OverflowCapacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(OverflowCapacity));
            field = value;
        }
    } = SubscriptionOptions.DefaultCapacity;

    /// <summary>How many workers handle items (or batches) at the same time.</summary>
    /// <value>The default is <see cref="Environment.ProcessorCount"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int WorkerCount
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(WorkerCount));
            field = value;
        }
    } = Environment.ProcessorCount;

    /// <summary>Whether a failed item is retried (<see cref="DeliveryGuarantee.AtLeastOnce"/>) or not
    /// (<see cref="DeliveryGuarantee.AtMostOnce"/>).</summary>
    /// <value>The default is <see cref="DeliveryGuarantee.AtLeastOnce"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="DeliveryGuarantee"/>.</exception>
    public DeliveryGuarantee Guarantee
    {
        get;
        set
        {
            if (value is not (DeliveryGuarantee.AtLeastOnce or DeliveryGuarantee.AtMostOnce))
            {
                throw new ArgumentOutOfRangeException(nameof(Guarantee), value, "Unknown delivery guarantee.");
            }

            field = value;
        }
    }

    /// <summary>How a failed item is retried under <see cref="DeliveryGuarantee.AtLeastOnce"/>. Backoffs are
    /// timers on the <see cref="EventBusOptions.TimeProvider"/>: the worker moves on to other items meanwhile.
    /// Ignored under <see cref="DeliveryGuarantee.AtMostOnce"/>.</summary>
    /// <value>The default is <see cref="RetryPolicy.Default"/> (3 retries, exponential from 100 ms).</value>
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

    /// <summary>Whether an item that failed for good goes to the dead-letter sink (<see langword="true"/>) or is
    /// dropped: counted, logged and reported through <see cref="EventBusOptions.OnDropped"/> with
    /// <see cref="DropReason.HandlerFailed"/>. Either way it is never lost without trace.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool DeadLetterFailedItems { get; set; } = true;

    /// <summary>
    /// How long one handler attempt (one call with an item or a batch) may run. When it passes, the
    /// handler's cancellation token fires and the attempt counts as failed (a <see cref="TimeoutException"/>),
    /// however the handler then ends. Cancellation is cooperative: a handler that ignores its token
    /// keeps its worker until it returns.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no timeout.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative (other than
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>, which means no timeout).</exception>
    public TimeSpan? Timeout
    {
        get;
        set
        {
            if (value == System.Threading.Timeout.InfiniteTimeSpan)
            {
                value = null;
            }

            if (value is { } timeout)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
            }

            field = value;
        }
    }

    /// <summary>The most items a batch handler receives at once. Used only by queues created with
    /// <see cref="WorkQueue.CreateBatched{T}(Func{IReadOnlyList{T}, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/>.</summary>
    /// <value>The default is 100.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxBatchSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxBatchSize));
            field = value;
        }
    } = 100;

    /// <summary>
    /// How long a batch that is not full waits for more items after its first item arrived (the
    /// linger), on the <see cref="EventBusOptions.TimeProvider"/>. A batch is handed to a worker when it
    /// reaches <see cref="MaxBatchSize"/> or when this delay passes, whichever comes first. Zero hands over
    /// whatever is buffered at once. Used only by batching queues.
    /// </summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan MaxBatchDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaxBatchDelay));
            field = value;
        }
    }

    /// <summary>The clock, logger, dead-letter sink, <see cref="EventBusOptions.OnDropped"/> and
    /// <see cref="EventBusOptions.OnError"/> callbacks and the drain timeout of <c>DisposeAsync</c>: the
    /// settings a bus has too. Give a bus's options object to make the queue share them.</summary>
    /// <value>The default is a new <see cref="EventBusOptions"/> (system clock, no logging, a new in-memory
    /// <see cref="DeadLetterQueue"/>, no callbacks, 30 s drain timeout).</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public EventBusOptions Shared
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Shared));
            field = value;
        }
    } = new();

    /// <summary>True when <see cref="PartitionBy{TKey}"/> was called.</summary>
    public bool IsPartitioned => Partitioner is not null;

    internal PartitionKeySelector<T>? Partitioner { get; private set; }

    /// <summary>
    /// Turns on partitioned mode: items with the same key are handled one at a time, in the order they
    /// were enqueued (a retrying item holds its key, so no later item of that key overtakes it), while
    /// items with different keys run in parallel on the workers.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="keySelector">Returns an item's key. It runs once per item, on the producer's thread,
    /// inside <c>EnqueueAsync</c>/<c>TryEnqueue</c>; an exception it throws reaches the producer and the item
    /// is not enqueued. It must not depend on state that changes.</param>
    /// <param name="comparer">Compares keys; <see langword="null"/> for <see cref="EqualityComparer{TKey}.Default"/>.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>Keys are reduced to their hash code: two keys with the same hash are kept in one order
    /// (never wrong, only less parallel). Not combinable with batching.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="keySelector"/> is null.</exception>
    public WorkQueueOptions<T> PartitionBy<TKey>(Func<T, TKey> keySelector, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        Partitioner = new PartitionKeySelector<T, TKey>(keySelector, comparer ?? EqualityComparer<TKey>.Default);
        return this;
    }
}
