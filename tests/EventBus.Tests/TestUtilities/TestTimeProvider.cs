using Microsoft.Extensions.Time.Testing;

namespace EventBus.Tests.TestUtilities;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells when a timer is created, so a test can wait
/// until the code under test has actually started a delay before advancing the clock (advancing
/// first would leave the delay waiting forever).
/// </summary>
public sealed class TestTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = [];
    private readonly List<TimeSpan> _created = [];

    /// <summary>Starts at a fixed date, or at <paramref name="start"/> (a test that shares a file with a process on the
    /// system clock starts from the real time).</summary>
    public TestTimeProvider(DateTimeOffset? start = null)
        : base(start ?? new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Due times of every timer created so far.</summary>
    public IReadOnlyList<TimeSpan> CreatedTimers
    {
        get
        {
            lock (_gate)
            {
                return [.. _created];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        List<TaskCompletionSource> toSignal = [];
        lock (_gate)
        {
            _created.Add(dueTime);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].DueTime == dueTime)
                {
                    toSignal.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                    break;
                }
            }
        }

        foreach (var signal in toSignal)
        {
            signal.TrySetResult();
        }

        return timer;
    }

    /// <summary>Waits until the <paramref name="count"/>-th timer with <paramref name="dueTime"/> exists.</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime, int count = 1)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_created.Count(t => t == dueTime) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((dueTime, signal));
        }

        return Wait.For(signal.Task, $"a timer of {dueTime.TotalMilliseconds} ms");
    }
}
