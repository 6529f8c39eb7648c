using System.Collections.Concurrent;

namespace EventBus.Reliability.Tests;

/// <summary>
/// A synchronization context with exactly one thread, like a UI thread: every continuation that
/// captures it must wait its turn on that thread. Code that needs the thread while the thread is
/// blocked deadlocks here, which is what these tests look for.
/// </summary>
internal sealed class SingleThreadedContext : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Thread _thread;

    private SingleThreadedContext()
    {
        _thread = new Thread(Pump) { IsBackground = true, Name = "single-threaded context" };
        _thread.Start();
    }

    public int ThreadId => _thread.ManagedThreadId;

    /// <summary>Runs <paramref name="body"/> on the context's thread and waits (off that thread) for it to finish.</summary>
    public static async Task RunAsync(Func<SingleThreadedContext, Task> body, TimeSpan timeout)
    {
        using var context = new SingleThreadedContext();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        context.Post(async _ =>
        {
            try
            {
                await body(context);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, null);

        var finished = await Task.WhenAny(done.Task, Task.Delay(timeout));
        if (finished != done.Task)
        {
            throw new TimeoutException($"Deadlock: the code on the single-threaded context did not finish within {timeout.TotalSeconds} s.");
        }

        await done.Task;
    }

    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronous sends would deadlock this context.");

    public override SynchronizationContext CreateCopy() => this;

    public void Dispose() => _queue.CompleteAdding();

    private void Pump()
    {
        SetSynchronizationContext(this);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            callback(state);
        }
    }
}
