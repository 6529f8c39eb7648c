namespace EventBus.Consumers;

/// <summary>
/// The one lifecycle every consumer goes through, and the only place where stop requests meet:
/// <c>Accepting -&gt; Draining -&gt; Halting -&gt; Stopped</c>. A bus uses the same machine for itself,
/// its target being all of its subscriptions.
/// </summary>
/// <remarks>
/// <para><b>States.</b> <c>Accepting</c>: intake is open. <c>Draining</c>: intake is closed and the
/// target finishes what it accepted. <c>Halting</c>: the target has been told to decide the outcome of
/// everything it still holds at once (claim running work, abandon the rest, then cancel handlers'
/// tokens). <c>Stopped</c>: every accepted item has exactly one counted outcome. States only move
/// forward.</para>
/// <para><b>Requests.</b> Every stop call is one of two requests. <see cref="RequestDrain"/> (a
/// <c>CompleteAsync</c>, a <c>DisposeAsync</c>) moves <c>Accepting</c> to <c>Draining</c> and adds its
/// deadline; <see cref="RequestHalt"/> (a <c>Dispose</c>, or any deadline that fires) moves any earlier
/// state to <c>Halting</c>. Requests combine and the strictest wins: a second drain with an earlier
/// deadline bounds a drain already under way (every registered deadline can halt it), and a halt
/// ends a drain at once. A halt requested from inside a handler leaves that handler its own item; any
/// later halt or deadline claims it (<see cref="IStopTarget.OnHaltAgain"/>), so a caller with a deadline
/// is never held by it. A request made after <c>Stopped</c> changes nothing.</para>
/// <para><b>Answers.</b> Every request is answered by <see cref="Completion"/>, one task for all callers.
/// A halt never waits for user code (the target's contract), so once the earliest deadline of any
/// caller fires, every caller is answered promptly. A deadline's halt runs on the thread pool, never on
/// the thread that cancelled the deadline, so our halt work (and the handler continuations it may
/// release) never runs inside someone else's <see cref="CancellationTokenSource.Cancel()"/>.</para>
/// <para><b>Who moves it.</b> Requests move it out of <c>Accepting</c> and into <c>Halting</c>; only the
/// target moves it to <c>Stopped</c>, through <see cref="TryMarkStopped"/>, once nothing it accepted is
/// unfinished. No user code runs under <see cref="_gate"/>.</para>
/// </remarks>
internal sealed class ConsumerLifecycle
{
    internal const int Accepting = 0;
    internal const int Draining = 1;
    internal const int Halting = 2;
    internal const int Stopped = 3;

    private readonly IStopTarget _target;
    private readonly Lock _gate = new();
    private volatile int _state;
    private DropReason _haltReason = DropReason.Abandoned;
    private TaskCompletionSource? _stopped;
    private List<CancellationTokenRegistration>? _deadlines;

    internal ConsumerLifecycle(IStopTarget target) => _target = target;

    /// <summary>The current state (one of the constants above).</summary>
    internal int State => _state;

    /// <summary>True until the first stop request.</summary>
    internal bool IsAccepting => _state == Accepting;

    /// <summary>True once a halt was requested (or the machine stopped).</summary>
    internal bool IsHalting => _state >= Halting;

    /// <summary>Why the target halted, once it has.</summary>
    internal DropReason HaltReason => _haltReason;

    /// <summary>Completes when the machine reaches <c>Stopped</c>.</summary>
    internal Task Completion
    {
        get
        {
            lock (_gate)
            {
                return StoppedTaskUnderLock();
            }
        }
    }

    /// <summary>Asks the target to finish what it accepted, halting it when <paramref name="deadline"/> fires.</summary>
    /// <returns>A task that completes when the machine has stopped.</returns>
    internal Task RequestDrain(CancellationToken deadline)
    {
        bool begin;
        Task stopped;
        lock (_gate)
        {
            stopped = StoppedTaskUnderLock();
            if (_state == Stopped)
            {
                return stopped;
            }

            begin = _state == Accepting;
            if (begin)
            {
                _state = Draining;
            }
        }

        if (begin)
        {
            _target.OnDrain();
        }

        AddDeadline(deadline);
        return stopped;
    }

    /// <summary>Tells the target to decide every outcome now. The first halt's reason wins; a later call
    /// claims what the first left to the handler that requested it.</summary>
    /// <returns>True when this call began the halt.</returns>
    internal bool RequestHalt(DropReason reason)
    {
        int before;
        lock (_gate)
        {
            before = _state;
            if (before < Halting)
            {
                _state = Halting;
                _haltReason = reason;
            }
        }

        if (before >= Halting)
        {
            if (before == Halting)
            {
                _target.OnHaltAgain();
            }

            return false;
        }

        // Outside the lock: the target reports drops, which runs user callbacks.
        _target.OnHalt(reason);
        return true;
    }

    /// <summary>Called by the target when it holds nothing unfinished: a draining or halting machine stops.</summary>
    /// <returns>True when this call stopped the machine.</returns>
    internal bool TryMarkStopped()
    {
        TaskCompletionSource? stopped;
        List<CancellationTokenRegistration>? deadlines;
        lock (_gate)
        {
            if (_state is Accepting or Stopped)
            {
                return false;
            }

            _state = Stopped;
            stopped = _stopped;
            deadlines = _deadlines;
            _deadlines = null;
        }

        if (deadlines is not null)
        {
            // Unregistering never waits here: a deadline callback only queues a work item.
            foreach (var registration in deadlines)
            {
                registration.Dispose();
            }
        }

        stopped?.TrySetResult();
        return true;
    }

    private Task StoppedTaskUnderLock()
    {
        _stopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_state == Stopped)
        {
            _stopped.TrySetResult();
        }

        return _stopped.Task;
    }

    private void AddDeadline(CancellationToken deadline)
    {
        if (!deadline.CanBeCanceled)
        {
            return;
        }

        // Registered outside the lock: a token that is already cancelled runs the callback at once.
        var registration = deadline.UnsafeRegister(static state => ((ConsumerLifecycle)state!).OnDeadline(), this);
        lock (_gate)
        {
            if (_state != Stopped)
            {
                (_deadlines ??= []).Add(registration);
                return;
            }
        }

        registration.Dispose();
    }

    private void OnDeadline()
    {
        if (_state == Stopped)
        {
            return;
        }

        // Never on the cancelling thread (see the remarks).
        ThreadPool.UnsafeQueueUserWorkItem(static lifecycle => lifecycle.RequestHalt(DropReason.Abandoned), this, preferLocal: false);
    }
}
