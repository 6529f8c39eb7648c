using System.Runtime.CompilerServices;
using EventBus.Diagnostics;
using EventBus.Internal;

namespace EventBus.Consumers;

/// <summary>The engine's workers: their loops, one attempt, and what follows a failed attempt.</summary>
/// <remarks>
/// <para>An attempt's outcome is decided only once the slot's holder owns it (<see cref="ConsumerWorker{T}.End(in WorkItem{T})"/>):
/// a halt may have claimed the item meanwhile, and then the holder forgets it. A failed attempt is
/// counted as failed whatever happens next, also when a halt stops it.</para>
/// <para>Retries: <see cref="RetryPlacement.InPlace"/> keeps the slot busy through the backoff (the slot's
/// later items wait, which keeps a one-slot consumer's order); <see cref="RetryPlacement.Scheduled"/> hands
/// the item to a timer (<see cref="RetrySchedule{T}"/>) and frees the slot at once.</para>
/// </remarks>
internal sealed partial class Consumer<T>
{
    private CancellationTokenSource? _stop;
    private volatile bool _stopRequested;

    /// <summary>Fires when the consumer halts (created on first use); handlers and backoffs get it.</summary>
    internal CancellationToken StopToken => (Volatile.Read(ref _stop) ?? CreateStop()).Token;

    /// <summary>
    /// Makes one attempt on <paramref name="item"/> in <paramref name="worker"/>'s slot and deals with the outcome.
    /// </summary>
    /// <returns>True when the item is finished for good (delivered, given up, or lost at a halt); false when
    /// a scheduled retry now holds it. Completes synchronously when a synchronous handler succeeds.</returns>
    internal ValueTask<bool> HandleAsync(ConsumerWorker<T> worker, in WorkItem<T> item)
    {
        if (_observer is not null)
        {
            // A face that hands lost items back (a work queue's AbandonedItems) needs the item at any claim,
            // also while a synchronous call runs: it pays the copy the others skip, stored before the slot
            // turns busy so that no claim can find it busy but unrecorded.
            worker.Record(item);
        }

        if (!worker.Begin())
        {
            return new ValueTask<bool>(LoseAtHalt(worker, item, started: item.Failure is not null));
        }

        var attempt = (item.Failure?.Attempts ?? 0) + 1;
        ValueTask pending;
        try
        {
            if (!StartAttempt(worker, item, attempt, out pending))
            {
                // A plain synchronous handler returned: no ValueTask, no timer.
                return new ValueTask<bool>(Succeed(worker, item, attempt));
            }
        }
        catch (Exception ex)
        {
            return AfterFailureAsync(worker, item, ex, attempt);
        }

        if (pending.IsCompletedSuccessfully)
        {
            // Consume the result so a pooled task source behind the handler's ValueTask is returned.
            pending.GetAwaiter().GetResult();
            return EndedAttempt(worker, item, attempt);
        }

        // The call waits: record its item, so a halt that claims it can report it at once.
        worker.Record(item);
        return AwaitAttemptAsync(worker, item, pending, attempt);
    }

    /// <summary>Calls the handler once for <paramref name="item"/>. May throw what the handler throws.</summary>
    /// <returns>False when a plain synchronous handler ran to completion (the common case in full: no
    /// token, no timer, no ValueTask); true when <paramref name="pending"/> carries the attempt.</returns>
    private bool StartAttempt(ConsumerWorker<T> worker, in WorkItem<T> item, int attempt, out ValueTask pending)
    {
        var handler = _handler!;
        worker.Handling = item.Context;
        if (Runner.Telemetry.IsObserved)
        {
            pending = Runner.InvokeAsync(handler, item.Item, item.Context, attempt, AttemptToken(worker));
            return true;
        }

        if (handler.SyncHandler is { } call && _settings.AttemptTimeout is null)
        {
            call(item.Item);
            pending = default;
            return false;
        }

        pending = handler.InvokeAsync(item.Item, item.Context, AttemptToken(worker));
        return true;
    }

    /// <summary>Cancels the stop token, whether or not its source exists yet. Exceptions thrown by callbacks that
    /// handlers registered on it are logged; the stop goes on regardless.</summary>
    internal void CancelStop()
    {
        _stopRequested = true;

        // Pairs with CreateStop: either it sees the request or this sees its source.
        Interlocked.MemoryBarrier();
        try
        {
            Volatile.Read(ref _stop)?.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.StopCallbackFailed(_environment.Logger, ex, Name);
        }
    }

    /// <summary>The token of the attempt about to start.</summary>
    internal CancellationToken AttemptToken(ConsumerWorker<T> worker) => worker.BeginAttempt(_settings.AttemptTimeout, Time, StopToken);

    /// <summary>Ends an attempt's timer; turns its failure into a <see cref="TimeoutException"/> when the timeout fired.</summary>
    internal Exception? EndAttempt(ConsumerWorker<T> worker, Exception? error)
    {
        if (_settings.AttemptTimeout is not { } timeout || !worker.EndAttempt(StopToken))
        {
            return error;
        }

        Log.AttemptTimedOut(_environment.Logger, Name, timeout.TotalMilliseconds, typeof(T).Name);
        return new TimeoutException($"The handler of '{Name}' ran past its timeout of {timeout.TotalMilliseconds} ms.", error);
    }

    private void StartWorkers()
    {
        // Under a lock so that a drain that starts them too (to empty what was written) reads every
        // loop only after it was assigned. Taken once per consumer.
        lock (_first)
        {
            if (_started)
            {
                return;
            }

            // On the thread pool, never inline: the first item may already be buffered, and a loop started
            // on this thread would run its handler on the producer's stack. StartLoop also leaves the
            // producer's execution context behind, so nothing ambient leaks into handlers.
            foreach (var worker in Workers)
            {
                worker.Loop = _dispatch is { } dispatch
                    ? HandlerScope.StartLoop(static w => w.Owner._dispatch!.RunWorkerAsync(w), worker)
                    : HandlerScope.StartLoop(static w => w.Owner.RunAsync(w), worker);
            }

            _dispatch?.Start();
            _started = true;
        }
    }

    /// <summary>A worker reading the buffer directly: FIFO hand-out, each item to exactly one worker.</summary>
    private async Task RunAsync(ConsumerWorker<T> worker)
    {
        var buffer = Buffer;
        HandlerScope.Enter(worker);

        // The context with the mark is this loop's context from now on; RestoreContext puts it back after
        // each handler, so a handler that sets an AsyncLocal does not leak it into the next item's handler.
        var loopContext = ExecutionContext.Capture();
        while (true)
        {
            while (!_halted && buffer.TryRead(out var item))
            {
                var handled = HandleAsync(worker, item);
                if (handled.IsCompletedSuccessfully)
                {
                    _ = handled.Result;
                }
                else
                {
                    await handled.ConfigureAwait(false);
                }

                RestoreContext(loopContext);
            }

            if (_halted)
            {
                return;
            }

            Park(worker, parked: true);
            var more = await buffer.WaitToReadAsync(worker.Index).ConfigureAwait(false);
            Park(worker, parked: false);
            if (!more)
            {
                return;
            }
        }
    }

    /// <summary>Puts the loop's execution context back if a handler changed it.</summary>
    internal static void RestoreContext(ExecutionContext? loopContext)
    {
        if (loopContext is not null && !ReferenceEquals(ExecutionContext.Capture(), loopContext))
        {
            ExecutionContext.Restore(loopContext);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitAttemptAsync(ConsumerWorker<T> worker, WorkItem<T> item, ValueTask pending, int attempt)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return await AfterFailureAsync(worker, item, ex, attempt).ConfigureAwait(false);
        }

        return await EndedAttempt(worker, item, attempt).ConfigureAwait(false);
    }

    /// <summary>An attempt returned without throwing: it succeeded, unless its timeout fired meanwhile.</summary>
    private ValueTask<bool> EndedAttempt(ConsumerWorker<T> worker, in WorkItem<T> item, int attempt)
    {
        if (EndAttempt(worker, error: null) is { } timedOut)
        {
            return AfterFailureAsync(worker, item, timedOut, attempt, attemptEnded: true);
        }

        return new ValueTask<bool>(Succeed(worker, item, attempt));
    }

    private bool Succeed(ConsumerWorker<T> worker, in WorkItem<T> item, int attempt)
    {
        if (worker.End(item))
        {
            CountDelivered(worker, item, attempt);
        }

        return true;
    }

    /// <summary>The slot saw the halt when it began (or before the next attempt): the item is lost, by whoever
    /// owns it; abandoned once <paramref name="started"/>, else with the halt's reason (unsubscribed, say).</summary>
    internal bool LoseAtHalt(ConsumerWorker<T> worker, in WorkItem<T> item, bool started = true)
    {
        if (worker.End(item))
        {
            Lose(item, LostAtHalt(started));
        }

        return true;
    }

    /// <summary>What an item lost to a halt counts as: abandoned once it was attempted, else the halt's reason.</summary>
    internal DropReason LostAtHalt(bool started) => started ? DropReason.Abandoned : Lifecycle.HaltReason;

    private ValueTask<bool> AfterFailureAsync(ConsumerWorker<T> worker, in WorkItem<T> item, Exception error, int attempt, bool attemptEnded = false)
    {
        if (!attemptEnded)
        {
            error = EndAttempt(worker, error)!;
        }

        var type = item.Item?.GetType() ?? typeof(T);
        if (_halted)
        {
            // Stopped while it ran: counted as a failed attempt, never retried.
            Runner.RecordFailure(type, item.Context, error, attempt, mayRetry: false);
            return new ValueTask<bool>(LoseAtHalt(worker, item));
        }

        if (_settings.Retries == RetryPlacement.InPlace)
        {
            return RetryInPlaceAsync(worker, item, error, attempt);
        }

        var failure = item.Failure ?? new FailureRecord(Time.GetUtcNow(), item.Context);
        failure.Attempts = attempt;
        if (Runner.RecordFailure(type, item.Context, error, attempt, mayRetry: true) is not { } delay)
        {
            return GiveUpAsync(worker, item, error, attempt, failure.FirstFailedAt);
        }

        if (!worker.End(item))
        {
            return new ValueTask<bool>(true);
        }

        var retry = item.WithFailure(failure);
        _observer?.OnRetryScheduled(retry, attempt, Time.GetUtcNow() + (delay > TimeSpan.Zero ? delay : TimeSpan.Zero), error);
        if (delay <= TimeSpan.Zero)
        {
            ReinjectDue(retry, batch: null);
        }
        else
        {
            ScheduleRetry(retry, batch: null, delay, _reinjectDue ??= ReinjectDue);
        }

        return new ValueTask<bool>(false);
    }

    private CancellationTokenSource CreateStop()
    {
        var created = new CancellationTokenSource();
        var source = Interlocked.CompareExchange(ref _stop, created, null) ?? created;
        if (!ReferenceEquals(source, created))
        {
            created.Dispose();
        }

        if (_stopRequested)
        {
            // The consumer halted before anyone asked for the token.
            source.Cancel();
        }

        return source;
    }
}
