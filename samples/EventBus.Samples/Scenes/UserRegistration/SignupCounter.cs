namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>The analytics service's state: it outlives the per-event handler instances.</summary>
internal sealed class SignupCounter
{
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public int Increment() => Interlocked.Increment(ref _total);
}
