using System.Diagnostics;

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
/// itself: <see cref="WhenQuiescentExceptAsync"/> waits only until nothing is left that another slot could
/// still finish.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    private TaskCompletionSource? _progress;

    /// <inheritdoc />
    void IStopTarget.OnDrain()
    {
        RecordStopStart();
        Volatile.Write(ref _laneOwner, Revoked);
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
        Volatile.Write(ref _laneOwner, Revoked);
        var buffer = Buffer;
        buffer.Close();
        _closed = true;
        _halted = true;
        Interlocked.MemoryBarrierProcessWide();

        // A handler that stops its own consumer keeps its item: it finishes it after this returns.
        var current = CallerSlot();
        foreach (var worker in Workers)
        {
            if (!ReferenceEquals(worker, current) && worker.TryClaim(out var recorded))
            {
                // Its handler had started: abandoned, whatever the halt's reason. A synchronous call's item
                // was never recorded (that would cost every item a copy): counted now, reported by its holder
                // when the call returns.
                if (!recorded)
                {
                    CountLost(DropReason.Abandoned);
                }
                else if (worker.CurrentBatch is { } batch)
                {
                    Lose(batch, DropReason.Abandoned);
                }
                else
                {
                    Lose(worker.Current, DropReason.Abandoned);
                }
            }
        }

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
    }

    /// <summary>
    /// Waits until nothing is left that a slot other than <paramref name="caller"/> could finish: the
    /// wait of a stop requested from inside one of this consumer's handlers.
    /// </summary>
    internal async Task WhenQuiescentExceptAsync(ConsumerWorker<T> caller)
    {
        var stopped = Lifecycle.Completion;
        while (!stopped.IsCompleted)
        {
            // One signal shared by every waiter; a finisher takes it out and completes it (see OnFinishedWhileClosed).
            var progress = Volatile.Read(ref _progress);
            if (progress is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                progress = Interlocked.CompareExchange(ref _progress, created, null) ?? created;
            }

            if (IsQuiescentExcept(caller))
            {
                return;
            }

            await Task.WhenAny(progress.Task, stopped).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a halt: waits, on the real clock and at most <paramref name="limit"/>, for handler calls
    /// still running in other slots to return (the promise of a subscription's <c>Dispose</c> that no
    /// handler of it runs once it has returned). Their items were claimed already; this only waits.
    /// </summary>
    /// <remarks>The bound is a safety net against a handler that ignores cancellation, not a timing rule,
    /// so it uses the real clock: a fake <see cref="TimeProvider"/> that never moves must not make it spin forever.</remarks>
    internal void WaitForRunningHandlers(TimeSpan limit)
    {
        var current = CallerSlot();
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        foreach (var worker in Workers)
        {
            if (ReferenceEquals(worker, current))
            {
                continue;
            }

            var spinner = default(SpinWait);
            while (worker.IsBusy && Stopwatch.GetTimestamp() < deadline)
            {
                spinner.SpinOnce(sleep1Threshold: 20);
            }
        }
    }

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

        if (Volatile.Read(ref _progress) is not null)
        {
            Interlocked.Exchange(ref _progress, null)?.TrySetResult();
        }
    }

    /// <summary>True when every item still outstanding waits for <paramref name="caller"/> (it holds it,
    /// or no other slot can take it).</summary>
    private bool IsQuiescentExcept(ConsumerWorker<T> caller)
    {
        var outstanding = Outstanding();
        if (outstanding <= Volatile.Read(ref caller.InFlight) || Workers.Length == 1)
        {
            return true;
        }

        if ((_retries?.Count ?? 0) > 0 || BufferedCount > 0 || Volatile.Read(ref _pendingPutBacks) > 0)
        {
            return false;
        }

        // What the policy holds back may wait for the caller (a partition key it holds).
        foreach (var worker in Workers)
        {
            if (!ReferenceEquals(worker, caller) && (worker.IsBusy || Volatile.Read(ref worker.Parked) == 0))
            {
                return false;
            }
        }

        return _dispatch?.OnlyWaitsFor(caller) ?? true;
    }
}
