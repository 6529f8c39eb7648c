namespace EventBus.Tests.TestUtilities;

/// <summary>Completes a task once <see cref="Signal"/> was called a given number of times.</summary>
public sealed class Countdown
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public Countdown(int count)
    {
        _remaining = count;
        if (count <= 0)
        {
            _done.TrySetResult();
        }
    }

    public int Remaining => Volatile.Read(ref _remaining);

    public Task Task => _done.Task;

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    public Task WaitAsync(string what) => Wait.For(_done.Task, $"{what} ({Remaining} still missing)");
}
