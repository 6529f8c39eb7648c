using EventBus.Delivery;

namespace EventBus;

/// <summary>Creates work queues without a dependency-injection container.</summary>
/// <remarks>
/// The workers start at once. Keep the returned <see cref="WorkQueue{T}"/> to drain and dispose it; hand
/// producers its <see cref="IWorkQueue{T}"/> side. Handlers receive a cancellation token that fires at the
/// per-attempt timeout (<see cref="WorkQueueOptions{T}.Timeout"/>) or when a drain deadline passes.
/// </remarks>
public static class WorkQueue
{
    /// <summary>Creates a work queue with a synchronous handler.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; throwing fails the attempt.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static WorkQueue<T> Create<T>(Action<T> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new WorkQueue<T>(HandlerInvoker<T>.Create(handler), batchHandler: null, options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a work queue with a synchronous handler that also receives the item's context.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; the context carries an id, the enqueue time and the producer's
    /// trace context (a re-driven item keeps its dead letter's context). Throwing fails the attempt.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static WorkQueue<T> Create<T>(Action<T, EventContext> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new WorkQueue<T>(HandlerInvoker<T>.Create(handler), batchHandler: null, options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a work queue with an asynchronous handler.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; its token fires at the attempt's timeout or the drain deadline.
    /// Throwing (or a faulted task) fails the attempt.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static WorkQueue<T> Create<T>(Func<T, CancellationToken, ValueTask> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new WorkQueue<T>(HandlerInvoker<T>.Create(handler), batchHandler: null, options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a work queue with an asynchronous handler that also receives the item's context.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles one item; see <see cref="Create{T}(Action{T, EventContext}, WorkQueueOptions{T}?)"/>
    /// for the context and <see cref="Create{T}(Func{T, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/> for the token.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static WorkQueue<T> Create<T>(Func<T, EventContext, CancellationToken, ValueTask> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new WorkQueue<T>(HandlerInvoker<T>.Create(handler), batchHandler: null, options ?? new WorkQueueOptions<T>());
    }

    /// <summary>Creates a work queue whose handler receives items in batches.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles a batch of 1 to <see cref="WorkQueueOptions{T}.MaxBatchSize"/> items, in
    /// enqueue order. The list is pooled: it is valid only until the returned task completes, so copy it to
    /// keep it. Throwing fails the whole batch, which is then retried as a batch and, once its retries are
    /// exhausted, split so that only the items that fail on their own are dead-lettered.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> turn on partitioning, which batching does not support.</exception>
    public static WorkQueue<T> CreateBatched<T>(Func<IReadOnlyList<T>, CancellationToken, ValueTask> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return CreateBatched(HandlerInvoker<IReadOnlyList<T>>.Create(handler), options);
    }

    /// <summary>Creates a work queue whose synchronous handler receives items in batches.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="handler">Handles a batch; see
    /// <see cref="CreateBatched{T}(Func{IReadOnlyList{T}, CancellationToken, ValueTask}, WorkQueueOptions{T}?)"/>.</param>
    /// <param name="options">The queue's settings; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>The running queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> turn on partitioning, which batching does not support.</exception>
    public static WorkQueue<T> CreateBatched<T>(Action<IReadOnlyList<T>> handler, WorkQueueOptions<T>? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return CreateBatched(HandlerInvoker<IReadOnlyList<T>>.Create(handler), options);
    }

    private static WorkQueue<T> CreateBatched<T>(HandlerInvoker<IReadOnlyList<T>> invoker, WorkQueueOptions<T>? options)
    {
        options ??= new WorkQueueOptions<T>();
        if (options.IsPartitioned)
        {
            throw new ArgumentException("A batching work queue cannot be partitioned.", nameof(options));
        }

        return new WorkQueue<T>(itemHandler: null, invoker, options);
    }
}
