namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>Waiting across a real broker takes longer than in memory: these bounds are generous, and a test
/// waits on signals or conditions within them, never on a fixed delay.</summary>
public static class Signals
{
    /// <summary>For something that should happen promptly over the broker.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>For something that waits for a broker restart and a client recovery.</summary>
    public static readonly TimeSpan RestartTimeout = TimeSpan.FromMinutes(3);

    public static async Task For(Task task, string what, TimeSpan? timeout = null)
    {
        var bound = timeout ?? Timeout;
        if (await Task.WhenAny(task, Task.Delay(bound)) != task)
        {
            throw new TimeoutException($"Timed out after {bound.TotalSeconds} s waiting for {what}.");
        }

        await task;
    }

    public static async Task<T> For<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        await For((Task)task, what, timeout);
        return await task;
    }

    /// <summary>Re-checks a condition that has no signal of its own (a broker-side count) until it holds.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(100);
        }
    }

    public static Task Until(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Until(() => Task.FromResult(condition()), what, timeout);
}
