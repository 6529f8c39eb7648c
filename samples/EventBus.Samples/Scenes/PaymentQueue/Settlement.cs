namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>Tells the scene when every payment has an outcome (charged, or dead-lettered), so it waits on a signal, not a guess.</summary>
internal sealed class Settlement(int payments)
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = payments;

    public Task AllSettled => _settled.Task;

    public void Completed() => Settle();

    public void DeadLettered() => Settle();

    private void Settle()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _settled.TrySetResult();
        }
    }
}
