using System.Collections.Concurrent;

namespace EventBus.Tests.TestUtilities;

/// <summary>How a held handler behaves when its token is cancelled.</summary>
public enum HandlerKind
{
    /// <summary>Waits with its token and throws <see cref="OperationCanceledException"/> when it fires.</summary>
    WellBehaved,

    /// <summary>Ignores its token: returns only when the test releases it.</summary>
    IgnoresToken,

    /// <summary>
    /// Waits on a plain <see cref="TaskCompletionSource"/> cancelled from a token registration, so its
    /// continuation resumes inline on the thread that calls <see cref="CancellationTokenSource.Cancel()"/>.
    /// </summary>
    ResumesInline,
}

/// <summary>
/// The handler the lifecycle tests give every consumer: items the test chose are held until released
/// (each kind reacting to cancellation its own way), the rest return at once. Records what started and
/// what finished, and counts handler calls that start after the test said a stop had returned.
/// </summary>
public sealed class ProbeHandler(HandlerKind kind, Func<int, bool> holds)
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _heldStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<int> _started = new();
    private readonly ConcurrentQueue<int> _finished = new();
    private readonly Func<int, HandlerKind>? _kindOf;
    private int _startsAfterStop;
    private int _running;
    private volatile bool _stopReturned;

    /// <summary>A handler whose held items react to cancellation each their own way.</summary>
    /// <param name="holdAs">The kind an item is held as, or null for an item that returns at once.</param>
    public ProbeHandler(Func<int, HandlerKind?> holdAs)
        : this(HandlerKind.WellBehaved, item => holdAs(item) is not null)
    {
        _kindOf = item => holdAs(item) ?? HandlerKind.WellBehaved;
    }

    public HandlerKind Kind => kind;

    /// <summary>Runs inside a handler call, before its held wait (a handler that stops its own consumer, say).</summary>
    public Func<int, CancellationToken, Task>? Inside { get; set; }

    public IReadOnlyList<int> Started => [.. _started];

    public IReadOnlyList<int> Finished => [.. _finished];

    /// <summary>Handler calls that started after <see cref="StopReturned"/>.</summary>
    public int StartsAfterStop => Volatile.Read(ref _startsAfterStop);

    /// <summary>Handler calls running now.</summary>
    public int Running => Volatile.Read(ref _running);

    public Task HeldStarted => _heldStarted.Task;

    /// <summary>Says that a stop which promises no more handler calls has returned.</summary>
    public void StopReturned() => _stopReturned = true;

    public void Release() => _release.TrySetResult();

    public ValueTask HandleAsync(int item, CancellationToken cancellationToken)
    {
        CountStart();
        return HandleItemAsync(item, cancellationToken);
    }

    /// <summary>One call for a whole batch: it counts as one handler call.</summary>
    public async ValueTask HandleBatchAsync(IReadOnlyList<int> items, CancellationToken cancellationToken)
    {
        CountStart();
        foreach (var item in items)
        {
            await HandleItemAsync(item, cancellationToken);
        }
    }

    private void CountStart()
    {
        if (_stopReturned)
        {
            Interlocked.Increment(ref _startsAfterStop);
        }
    }

    private async ValueTask HandleItemAsync(int item, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _running);
        try
        {
            _started.Enqueue(item);
            if (Inside is { } inside)
            {
                await inside(item, cancellationToken);
            }

            if (holds(item))
            {
                _heldStarted.TrySetResult();
                await HoldAsync(_kindOf?.Invoke(item) ?? kind, cancellationToken);
            }

            _finished.Enqueue(item);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async Task HoldAsync(HandlerKind holdKind, CancellationToken cancellationToken)
    {
        switch (holdKind)
        {
            case HandlerKind.WellBehaved:
                await _release.Task.WaitAsync(cancellationToken);
                break;
            case HandlerKind.IgnoresToken:
                await _release.Task;
                break;
            default:
                // Created without RunContinuationsAsynchronously on purpose: cancelling the token runs the
                // rest of this handler on the cancelling thread.
                var resumed = new TaskCompletionSource();
                using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), resumed))
                {
                    _ = _release.Task.ContinueWith(
                        static (_, state) => ((TaskCompletionSource)state!).TrySetResult(), resumed, CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    await resumed.Task;
                }

                break;
        }
    }
}
