using System.Collections.Concurrent;
using System.Threading.Channels;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite.CrashPeer;

/// <summary>
/// TEST DRIVER, not a consumer engine. The smallest loop that drives a durable store the way the consumer engine
/// will: a feeder claims due items as buffer space frees, workers run a handler and report each outcome
/// (acknowledge; a failure with its retry kept by the driver or returned to the store; a dead letter after the
/// last attempt). It has no drain deadline, halting, telemetry or options: the durable queue's consumer side is
/// the engine's work-queue face, and this exists only to exercise the store in tests and in the crash peer.
/// </summary>
internal sealed class StoreTestDriver<T> : IAsyncDisposable
{
    private readonly IDurableItemStore<T> _store;
    private readonly Func<DurableItem<T>, ValueTask> _handler;
    private readonly Func<DurableItem<T>, DurableRetryPlacement> _placement;
    private readonly int _maxAttempts;
    private readonly TimeSpan _retryDelay;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly SemaphoreSlim _space;
    private readonly Channel<DurableItem<T>> _ready = Channel.CreateUnbounded<DurableItem<T>>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentBag<Task> _retries = [];
    private readonly TaskCompletionSource _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _processed;
    private long _failedAttempts;
    private long _deadLettered;

    internal StoreTestDriver(
        IDurableItemStore<T> store,
        Func<DurableItem<T>, ValueTask> handler,
        int workers,
        int capacity,
        int maxAttempts,
        TimeSpan retryDelay,
        Func<DurableItem<T>, DurableRetryPlacement> placement,
        TimeProvider time)
    {
        _store = store;
        _handler = handler;
        _placement = placement;
        _maxAttempts = maxAttempts;
        _retryDelay = retryDelay;
        _time = time;
        _capacity = capacity;
        _space = new SemaphoreSlim(capacity, capacity);
        _loops.Add(Task.Run(FeedAsync));
        for (var i = 0; i < workers; i++)
        {
            _loops.Add(Task.Run(WorkAsync));
        }
    }

    internal long Processed => Interlocked.Read(ref _processed);

    internal long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    internal long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Faults when a loop of the driver failed (a store call threw): the test then fails with it.</summary>
    internal Task Faulted => _faulted.Task;

    /// <summary>Stops the loops and hands back the items that were claimed but never started.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _ready.Writer.TryComplete();
        await Task.WhenAll(_loops);
        await Task.WhenAll(_retries);

        while (_ready.Reader.TryRead(out var item))
        {
            await _store.ReleaseAsync(item);
        }

        _stop.Dispose();
    }

    private async Task FeedAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await _space.WaitAsync(token);
                var take = 1;
                while (take < _capacity && _space.Wait(0))
                {
                    take++;
                }

                var items = await _store.ClaimAsync(take, CancellationToken.None);
                foreach (var item in items)
                {
                    _ready.Writer.TryWrite(item);
                }

                if (items.Count < take)
                {
                    _space.Release(take - items.Count);
                    await _store.WaitForClaimableAsync(token);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _faulted.TrySetException(e);
        }
    }

    private async Task WorkAsync()
    {
        var token = _stop.Token;
        try
        {
            await foreach (var item in _ready.Reader.ReadAllAsync(token))
            {
                Exception? failure = null;
                try
                {
                    await _handler(item);
                }
                catch (Exception e)
                {
                    failure = e;
                }

                if (failure is null)
                {
                    await _store.AcknowledgeAsync(item);
                    Interlocked.Increment(ref _processed);
                    _space.Release();
                    continue;
                }

                Interlocked.Increment(ref _failedAttempts);
                if (item.Attempts + 1 >= _maxAttempts)
                {
                    await _store.DeadLetterAsync(item, failure);
                    Interlocked.Increment(ref _deadLettered);
                    _space.Release();
                    continue;
                }

                var placement = _placement(item);
                await _store.RecordFailureAsync(item, failure, _time.GetUtcNow() + _retryDelay, placement);
                if (placement == DurableRetryPlacement.ReturnToStore)
                {
                    _space.Release();
                }
                else
                {
                    _retries.Add(RetryLaterAsync(item));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _faulted.TrySetException(e);
        }
    }

    /// <summary>A retry kept by the driver: it holds its buffer slot and comes back to the workers when due.</summary>
    private async Task RetryLaterAsync(DurableItem<T> item)
    {
        try
        {
            await Task.Delay(_retryDelay, _time, _stop.Token);
            if (!_ready.Writer.TryWrite(item))
            {
                await _store.ReleaseAsync(item);
            }
        }
        catch (OperationCanceledException)
        {
            await _store.ReleaseAsync(item);
        }
        catch (Exception e)
        {
            _faulted.TrySetException(e);
        }
    }
}
