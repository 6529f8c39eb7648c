namespace EventBus;

/// <summary>The default dead-letter sink: a bounded in-memory queue that can be read, drained and observed.</summary>
/// <remarks>When full, it evicts the oldest dead letter (counted in <see cref="EvictedCount"/>). Dead letters live only
/// as long as the process; to keep them across a crash, give the bus an <see cref="IDeadLetterSink"/> of your own.</remarks>
public sealed class DeadLetterQueue : IDeadLetterSink
{
    private readonly Lock _gate = new();
    private readonly Queue<DeadLetter> _items = new();
    private long _totalCount;
    private long _evictedCount;

    /// <summary>Creates a queue that keeps at most <paramref name="capacity"/> dead letters.</summary>
    /// <param name="capacity">The most dead letters kept; the default is 10 000.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public DeadLetterQueue(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Raised after a dead letter is added, on the thread of the consumer that gave up. Exceptions thrown by
    /// handlers of this event are caught and ignored.</summary>
    public event Action<DeadLetter>? Added;

    /// <summary>The most dead letters kept.</summary>
    public int Capacity { get; }

    /// <summary>How many dead letters are held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>How many dead letters were ever added.</summary>
    public long TotalCount => Interlocked.Read(ref _totalCount);

    /// <summary>How many dead letters were evicted because the queue was full.</summary>
    public long EvictedCount => Interlocked.Read(ref _evictedCount);

    /// <summary>Returns the dead letters held now, oldest first, without removing them.</summary>
    /// <returns>A snapshot copy.</returns>
    public IReadOnlyList<DeadLetter> ToList()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>Removes and returns the oldest dead letter.</summary>
    /// <param name="deadLetter">The dead letter, when one was held.</param>
    /// <returns><see langword="true"/> when a dead letter was removed.</returns>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeadLetter? deadLetter)
    {
        lock (_gate)
        {
            return _items.TryDequeue(out deadLetter);
        }
    }

    /// <summary>Removes and returns every dead letter held now, oldest first.</summary>
    /// <returns>The removed dead letters.</returns>
    public IReadOnlyList<DeadLetter> TakeAll()
    {
        lock (_gate)
        {
            DeadLetter[] all = [.. _items];
            _items.Clear();
            return all;
        }
    }

    /// <summary>Removes and returns the dead letters held now that match, oldest first, leaving the others in place
    /// (for example, the letters of one work queue, to re-drive them).</summary>
    /// <param name="match">Selects the dead letters to remove. Called under the queue's lock: keep it short and do not
    /// call back into this queue. When it throws, the exception propagates and the queue keeps every letter, in order.</param>
    /// <returns>The removed dead letters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="match"/> is null.</exception>
    public IReadOnlyList<DeadLetter> TakeAll(Predicate<DeadLetter> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            // Judge every letter before moving any, so a predicate that throws loses none.
            var all = _items.ToArray();
            var matches = new bool[all.Length];
            var taken = 0;
            for (var i = 0; i < all.Length; i++)
            {
                if (match(all[i]))
                {
                    matches[i] = true;
                    taken++;
                }
            }

            if (taken == 0)
            {
                return [];
            }

            var result = new DeadLetter[taken];
            _items.Clear();
            for (int i = 0, next = 0; i < all.Length; i++)
            {
                if (matches[i])
                {
                    result[next++] = all[i];
                }
                else
                {
                    _items.Enqueue(all[i]);
                }
            }

            return result;
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        lock (_gate)
        {
            if (_items.Count >= Capacity)
            {
                _items.Dequeue();
                _evictedCount++;
            }

            _items.Enqueue(deadLetter);
            _totalCount++;
        }

        try
        {
            Added?.Invoke(deadLetter);
        }
        catch
        {
            // An observer must not turn a stored dead letter into a failure of the consumer.
        }

        return default;
    }
}
