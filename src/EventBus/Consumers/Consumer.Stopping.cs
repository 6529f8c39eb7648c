using System.Diagnostics;
using EventBus.Diagnostics;

namespace EventBus.Consumers;

/// <summary>The engine's side of the <see cref="ConsumerLifecycle"/>: closing intake, halting, and knowing when it is done.</summary>
/// <remarks>
/// <para><b>Drain.</b> The buffer closes first (created for it if no item ever came), then
/// <see cref="_closed"/> is set and a process-wide barrier issued (for the inline lane's admission and the
/// slots' plain stores); from then on whoever finishes an item checks whether nothing is outstanding, and
/// the first to see that stops the machine. Since the buffer refused every write before anyone could look,
/// nothing is accepted after that check.</para>
/// <para><b>Halt.</b> In this order: close the buffer, set <see cref="_closed"/> and <see cref="_halted"/>;
/// a process-wide barrier, so every slot's busy mark is visible (<see cref="ConsumerWorker{T}"/>); claim
/// every busy slot (its item is lost, counted and reported now); cancel the retry timers and lose their
/// items; let the dispatch policy hand back what it holds; halt the buffer (retries can no longer be put
/// back) and lose what is in it; and only then cancel the handlers' token. A handler whose continuation resumes inline on that cancellation finds every outcome already
/// decided and nothing to wait for, so the halting thread is never held by it.</para>
/// <para><b>From inside a handler.</b> A handler of this consumer that waits for its stop cannot wait for
/// itself, nor for another handler waiting the same way: <see cref="WhenQuiescentExceptAsync"/> waits only
/// until nothing is left that a slot not waiting from inside could still finish. Whatever changes what it
/// looks at (an item finished, a slot parked, a waiter came or went) wakes it.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    /// <summary>How long the books must stay short, twice, before <see cref="WatchForUncountedAsync"/> closes them.</summary>
    internal static readonly TimeSpan UncountedGrace = TimeSpan.FromSeconds(1);

    private TaskCompletionSource? _progress;
    private bool _claimedAtHalt;

    /// <inheritdoc />
    void IStopTarget.OnDrain()
    {
        RecordStopStart();
        Volatile.Write(ref LaneOwner, Revoked);
        var buffer = Buffer;
        buffer.Close();
        _closed = true;

        // Pairs with the inline lane's admission and with the slots' plain stores (see the remarks).
        Interlocked.MemoryBarrierProcessWide();
        _dispatch?.OnClosing();
        if (_settings.Inline)
        {
            AfterLaneCall();
        }
        else if (buffer.Written > 0)
        {
            // A write may have landed without its producer having started the loops yet.
            EnsureStarted();
        }

        OnFinishedWhileClosed();
    }

    /// <inheritdoc />
    void IStopTarget.OnHalt(DropReason reason)
    {
        RecordStopStart();
        Volatile.Write(ref LaneOwner, Revoked);
        var buffer = Buffer;
        buffer.Close();
        _closed = true;
        _halted = true;
        Interlocked.MemoryBarrierProcessWide();

        // A handler that stops its own consumer keeps its item: it finishes it after this returns, unless a
        // later halt or deadline claims it (OnHaltAgain).
        ClaimRunning(CallerSlot());
        Volatile.Read(ref _retries)?.Halt();
        _dispatch?.OnClosing();
        _dispatch?.Halt(reason);
        buffer.Halt();
        while (buffer.TryTakeAtHalt(out var item))
        {
            Lose(item, item.Failure is null ? reason : DropReason.Abandoned);
        }

        CancelStop();
        OnFinishedWhileClosed();
        if (Lifecycle.State != ConsumerLifecycle.Stopped)
        {
            _ = WatchForUncountedAsync();
        }
    }

    /// <summary>
    /// The safety net under the books: once halted, an item is finished by a running handler or nobody. If the
    /// books stay open while nothing runs or waits, an accepted item was never counted (an engine defect, as the
    /// two lost counts of docs/RELIABILITY.md were). Rather than leave every stop waiting forever, the
    /// shortfall is counted as abandoned and logged as critical.
    /// </summary>
    /// <remarks>On the real clock, as <see cref="WaitForRunningHandlers"/>; the shortfall must look the same in
    /// two looks <see cref="UncountedGrace"/> apart, so an admission still taking its count back is never
    /// mistaken for one, and no loop may be between taking an item and beginning it.</remarks>
    private async Task WatchForUncountedAsync()
    {
        var stopped = Lifecycle.Completion;
        long seen = -1;
        while (!stopped.IsCompleted)
        {
            await Task.WhenAny(stopped, Task.Delay(UncountedGrace)).ConfigureAwait(false);
            var idle = Pending == 0;
            foreach (var worker in Workers)
            {
                // A loop that runs, not parked and not in a call, may hold an item it took and has not begun.
                idle &= !worker.MayStillFinish &&
                    (worker.IsBusy || worker.Loop.IsCompleted || Volatile.Read(ref worker.Parked) == 1);
            }

            var outstanding = idle && !stopped.IsCompleted ? Outstanding() : -1;
            if (outstanding > 0 && outstanding == seen)
            {
                Log.UncountedItems(_environment.Logger, Name, outstanding);
                Interlocked.Add(ref _abandoned, outstanding);
                OnFinishedWhileClosed();
            }

            seen = outstanding;
        }
    }

    /// <inheritdoc />
    void IStopTarget.OnHaltAgain()
    {
        // The first halt set the flags and swept the slots without running user code: wait for that, then
        // sweep again, taking what it left to the handler that asked for it (never the caller's own item).
        var spinner = default(SpinWait);
        while (!Volatile.Read(ref _claimedAtHalt))
        {
            spinner.SpinOnce();
        }

        ClaimRunning(CallerSlot());
        OnFinishedWhileClosed();
    }

    /// <summary>Claims every busy slot but <paramref name="skip"/>: its item is lost (abandoned, whatever the halt's
    /// reason), counted and, when recorded, reported. Only after the halted flag and its barrier. The claims are
    /// all made (and <see cref="_claimedAtHalt"/> set) before any report runs user code.</summary>
    private void ClaimRunning(ConsumerWorker<T>? skip)
    {
        List<(WorkItem<T> Item, Batch<T>? Batch)>? claimed = null;
        var unrecorded = 0;
        foreach (var worker in Workers)
        {
            if (!ReferenceEquals(worker, skip) && worker.TryClaim(out var recorded, out var item, out var batch))
            {
                if (recorded)
                {
                    (claimed ??= []).Add((item, batch));
                }
                else
                {
                    unrecorded++;
                }
            }
        }

        Volatile.Write(ref _claimedAtHalt, true);

        // A synchronous call's item was never recorded (that would cost every item a copy): counted now,
        // reported by its holder when the call returns.
        for (var i = 0; i < unrecorded; i++)
        {
            CountLost(DropReason.Abandoned);
        }

        foreach (var (item, batch) in claimed ?? [])
        {
            if (batch is not null)
            {
                Lose(batch, DropReason.Abandoned);
            }
            else
            {
                Lose(item, DropReason.Abandoned);
            }
        }
    }

    /// <summary>
    /// Waits until nothing is left that a slot other than <paramref name="caller"/> could finish: the
    /// wait of a stop requested from inside one of this consumer's handlers.
    /// </summary>
    internal async Task WhenQuiescentExceptAsync(ConsumerWorker<T> caller)
    {
        // Other slots' handlers may be waiting from inside too: none of them can wait for another.
        Interlocked.Increment(ref caller.WaitingInside);
        SignalProgress();
        try
        {
            var stopped = Lifecycle.Completion;
            while (!stopped.IsCompleted)
            {
                // One signal shared by every waiter; whoever changes what the wait looks at completes it.
                var progress = Volatile.Read(ref _progress);
                if (progress is null)
                {
                    var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    progress = Interlocked.CompareExchange(ref _progress, created, null) ?? created;
                }

                if (IsQuiescentForInsideWaiters())
                {
                    return;
                }

                await Task.WhenAny(progress.Task, stopped).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref caller.WaitingInside);
            SignalProgress();
        }
    }

    /// <summary>Marks <paramref name="worker"/>'s loop as waiting for work (<paramref name="parked"/>) or not; a slot
    /// that parks may be what a stop awaited from inside a handler waits for.</summary>
    internal void Park(ConsumerWorker<T> worker, bool parked)
    {
        if (!parked)
        {
            Volatile.Write(ref worker.Parked, 0);
            return;
        }

        // Full fence: pairs with a waiter that publishes its signal, then reads the slots.
        Interlocked.Exchange(ref worker.Parked, 1);
        SignalProgress();
    }

    /// <summary>
    /// After a halt: waits, on the real clock and at most until <paramref name="deadline"/> (a
    /// <see cref="Stopwatch"/> timestamp), for handler calls still running in other slots to return: the
    /// promise of every <c>Dispose</c> that no handler call of it runs once it has returned. Their items
    /// were claimed already; this only waits.
    /// </summary>
    /// <remarks>The bound is a safety net against a handler that ignores cancellation, not a timing rule,
    /// so it uses the real clock: a fake <see cref="TimeProvider"/> that never moves must not make it spin forever.</remarks>
    internal void WaitForRunningHandlers(long deadline)
    {
        var current = CallerSlot();
        foreach (var worker in Workers)
        {
            var spinner = default(SpinWait);
            while (!ReferenceEquals(worker, current) && worker.IsBusy && Stopwatch.GetTimestamp() < deadline)
            {
                spinner.SpinOnce(sleep1Threshold: 20);
            }
        }
    }

    /// <summary>The <see cref="Stopwatch"/> timestamp <paramref name="limit"/> from now, for <see cref="WaitForRunningHandlers"/>.</summary>
    /// <remarks>An infinite limit (or one past a day) waits a day: a handler that ignores its token is not waited for forever.</remarks>
    internal static long DeadlineIn(TimeSpan limit) =>
        Stopwatch.GetTimestamp() + (long)((limit < TimeSpan.Zero || limit > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : limit).TotalSeconds * Stopwatch.Frequency);

    /// <summary>Called whenever something finished (or an offer was taken back) once intake is closed.</summary>
    private void OnFinishedWhileClosed()
    {
        // Orders this caller's count before the reads below, against other finishers doing the same.
        Interlocked.MemoryBarrier();
        if (Outstanding() <= 0 && Lifecycle.TryMarkStopped())
        {
            // Nothing is left: let the loops (and a policy's pump) end.
            Volatile.Read(ref _buffer)?.Complete();
            _dispatch?.Complete();
        }

        SignalProgress();
    }

    /// <summary>Wakes every stop awaited from inside a handler, to look again.</summary>
    private void SignalProgress()
    {
        if (Volatile.Read(ref _progress) is not null)
        {
            Interlocked.Exchange(ref _progress, null)?.TrySetResult();
        }
    }

    /// <summary>True when every item still outstanding waits for a slot whose handler awaits a stop from inside
    /// (it holds the item, or no other slot can take it).</summary>
    private bool IsQuiescentForInsideWaiters()
    {
        long held = 0;
        var anyFree = false;
        foreach (var worker in Workers)
        {
            if (Volatile.Read(ref worker.WaitingInside) > 0)
            {
                held += Volatile.Read(ref worker.InFlight);
            }
            else
            {
                anyFree = true;
            }
        }

        if (!anyFree || Outstanding() <= held)
        {
            return true;
        }

        if ((_retries?.Count ?? 0) > 0 || BufferedCount > 0 || Volatile.Read(ref _pendingPutBacks) > 0)
        {
            return false;
        }

        foreach (var worker in Workers)
        {
            if (Volatile.Read(ref worker.WaitingInside) == 0 && (worker.IsBusy || Volatile.Read(ref worker.Parked) == 0))
            {
                return false;
            }
        }

        return _dispatch?.OnlyWaitsForInsideWaiters() ?? true;
    }
}
