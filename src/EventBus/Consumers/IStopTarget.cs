namespace EventBus.Consumers;

/// <summary>What a <see cref="ConsumerLifecycle"/> drives. Each call comes at most once, in this order.</summary>
internal interface IStopTarget
{
    /// <summary>Intake closes; the target finishes what it accepted and then calls
    /// <see cref="ConsumerLifecycle.TryMarkStopped"/>.</summary>
    void OnDrain();

    /// <summary>
    /// Decides the outcome of everything the target holds, at once: running work is claimed (counted
    /// as lost) before any handler's token is cancelled, buffered work is lost with
    /// <paramref name="reason"/>, and then handlers' tokens are cancelled. Never waits for user code.
    /// The target calls <see cref="ConsumerLifecycle.TryMarkStopped"/> once nothing is unfinished.
    /// </summary>
    void OnHalt(DropReason reason);
}
