namespace EventBus;

/// <summary>
/// The producer's side of a work queue: hand it items, and each is processed by exactly one of the
/// queue's workers. This is what producers depend on (and what dependency injection hands them);
/// the owner keeps the <see cref="WorkQueue{T}"/> to drain and dispose it.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public interface IWorkQueue<T>
{
    /// <summary>The queue's name, used in logs, dead letters and drop reports.</summary>
    string Name { get; }

    /// <summary>Items accepted and not yet being handled: buffered, queued for a free worker or key, or
    /// waiting for a retry. A snapshot for monitoring; it may be stale by the time it is read.</summary>
    int Count { get; }

    /// <summary>Items whose handler is running now. A snapshot for monitoring.</summary>
    int InFlight { get; }

    /// <summary>Adds an item, waiting for space when the buffer is full (backpressure).</summary>
    /// <returns>A task that completes synchronously when the buffer had room. When it is full the
    /// queue's <see cref="BufferFullMode"/> applies: <see cref="BufferFullMode.Wait"/> waits, the drop modes
    /// drop (counted and reported), <see cref="BufferFullMode.Fail"/> throws. An enqueue made from inside a
    /// handler (of any queue or subscription) never waits: it joins the bounded overflow
    /// (<see cref="WorkQueueOptions{T}.OverflowCapacity"/>) or throws <see cref="EventBusFullException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">The buffer was full under <see cref="BufferFullMode.Fail"/>, or an
    /// enqueue from inside a handler found the overflow full too.</exception>
    /// <exception cref="OperationCanceledException">The wait for space was cancelled.</exception>
    ValueTask EnqueueAsync(T item, CancellationToken cancellationToken = default);

    /// <summary>Adds an item if the buffer has room now; never waits.</summary>
    /// <returns><see langword="true"/> when the item was accepted (under a drop mode the buffer always
    /// accepts, dropping per the mode); <see langword="false"/> when the buffer was full under
    /// <see cref="BufferFullMode.Wait"/> or <see cref="BufferFullMode.Fail"/>. A refusal is not counted as a drop:
    /// the caller still holds the item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed.</exception>
    bool TryEnqueue(T item);
}
