namespace EventBus.Tests.TestUtilities;

/// <summary>Generous bounds for waiting on signals. Tests never sleep to let something happen;
/// they wait for a signal and fail if it does not come within these bounds.</summary>
public static class Wait
{
    /// <summary>How long a test waits for something that should happen promptly.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <see cref="Timeout"/>.</summary>
    public static async Task For(Task task, string what)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Timeout));
        if (finished != task)
        {
            throw new TimeoutException($"Timed out after {Timeout.TotalSeconds} s waiting for {what}.");
        }

        await task;
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <see cref="Timeout"/>.</summary>
    public static async Task<T> For<T>(Task<T> task, string what)
    {
        await For((Task)task, what);
        return await task;
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <see cref="Timeout"/>.</summary>
    public static Task For(ValueTask task, string what) => For(task.AsTask(), what);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <see cref="Timeout"/>.</summary>
    public static Task<T> For<T>(ValueTask<T> task, string what) => For(task.AsTask(), what);

    /// <summary>Re-checks <paramref name="condition"/> (a counter with no signal of its own) until it holds,
    /// failing the test if it does not within <see cref="Timeout"/>.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Timeout.TotalSeconds} s waiting until {what}.");
            }

            await Task.Yield();
        }
    }
}
