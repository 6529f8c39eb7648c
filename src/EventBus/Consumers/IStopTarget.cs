namespace EventBus.Consumers;

/// <summary>What a <see cref="ConsumerLifecycle"/> drives. <see cref="OnDrain"/> and <see cref="OnHalt"/> come at
/// most once each, in this order; <see cref="OnHaltAgain"/> only after <see cref="OnHalt"/> began.</summary>
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

    /// <summary>
    /// A later halt request, or a deadline that fired, while halting: claims the work the first halt left
    /// running because the handler that requested it was running it. Waits for the first halt's claims
    /// (no user code), never for a handler.
    /// </summary>
    void OnHaltAgain();
}
