using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

/// <summary>
/// What the work-queue tests share: a fake clock, a dead-letter queue, a drop log, and cleanup that
/// drains every queue a test created against a real-time deadline, so a failing test can never hang
/// the run on a queue whose fake clock is not moving.
/// </summary>
public abstract class WorkQueueTestBase : IAsyncLifetime
{
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();
    private readonly List<IAsyncDisposable> _cleanup = [];

    protected TestTimeProvider Time { get; } = new();

    protected DeadLetterQueue DeadLetters { get; } = new();

    protected IReadOnlyList<DroppedEvent> Drops => [.. _drops];

    protected static RetryPolicy NoDelayRetries(int retries) => new() { MaxRetries = retries, BaseDelay = TimeSpan.Zero, Jitter = 0 };

    protected static RetryPolicy FixedRetries(int retries, TimeSpan delay) =>
        new() { MaxRetries = retries, BaseDelay = delay, MaxDelay = delay, Backoff = BackoffKind.Fixed, Jitter = 0 };

    protected WorkQueueOptions<T> Options<T>(Action<WorkQueueOptions<T>>? configure = null)
    {
        var options = new WorkQueueOptions<T>
        {
            Shared = new EventBusOptions { TimeProvider = Time, DeadLetterSink = DeadLetters, OnDropped = _drops.Enqueue },
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Registers a queue to be drained (or, past a real-time deadline, stopped) after the test.</summary>
    protected WorkQueue<T> Track<T>(WorkQueue<T> queue)
    {
        lock (_cleanup)
        {
            _cleanup.Add(new Drainer<T>(queue));
        }

        return queue;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var queue in _cleanup)
        {
            await queue.DisposeAsync();
        }
    }

    private sealed class Drainer<T>(WorkQueue<T> queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var deadline = new CancellationTokenSource(Wait.Timeout);
            await queue.CompleteAsync(deadline.Token);
            queue.Dispose();
        }
    }
}
