using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>
/// A subscription with its own bounded channel and consumer loop(s): publishers only write to the
/// channel, so this handler's speed or failures never reach them or other subscriptions.
/// </summary>
/// <remarks>
/// <para>Publishes that may not wait (synchronous, or from inside a handler) and find the buffer
/// full become pending channel writes: the channel queues blocked writers in order and moves each
/// into the buffer as space frees, so they neither block anyone nor overtake one another. Their
/// number is bounded by <see cref="SubscriptionOptions.OverflowCapacity"/>.</para>
/// <para>Each worker marks itself busy before it looks at the halted flag and calls the handler.
/// <see cref="HaltCore"/> sets the flag and then issues a process-wide memory barrier, so afterwards
/// it sees every worker that might still call the handler: the hot path pays two plain stores and
/// a load per event instead of an interlocked operation.</para>
/// </remarks>
internal sealed class QueuedSubscription<T> : Subscription<T>
{
    private const int Idle = 0;
    private const int Busy = 1;
    private const int ClaimedAtHalt = 2;

    private readonly Channel<Envelope<T>> _channel;

    // No cached copies of the channel's writer, the handler delegate or the telemetry: each would cost
    // every idle subscription 8 bytes for a load saved per event (see the 1 KiB bound in Subscription).
    private readonly BufferFullMode _fullMode;
    private readonly int _overflowCapacity;

    // The first worker, and all of them when there are several (see Workers): one worker, the
    // default, needs no array.
    private readonly Worker _first;
    private readonly Worker[]? _workers;
    private PendingCounter _overflow;
    private volatile bool _intakeClosed;
    private volatile bool _halted;
    private volatile bool _started;
    private DropReason _haltReason = DropReason.Abandoned;

    internal QueuedSubscription(InProcessEventBus bus, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence)
        : base(bus, invoker, options, sequence)
    {
        _fullMode = options.FullMode;
        _overflowCapacity = options.OverflowCapacity;
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            FullMode = _fullMode switch
            {
                BufferFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
                BufferFullMode.DropNewest => BoundedChannelFullMode.DropNewest,
                BufferFullMode.DropWrite => BoundedChannelFullMode.DropWrite,
                _ => BoundedChannelFullMode.Wait,
            },
            SingleReader = options.MaxConcurrency == 1,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _channel = _fullMode is BufferFullMode.DropOldest or BufferFullMode.DropNewest or BufferFullMode.DropWrite
            ? Channel.CreateBounded<Envelope<T>>(channelOptions, OnItemDropped)
            : Channel.CreateBounded<Envelope<T>>(channelOptions);

        _first = new Worker(this);
        if (options.MaxConcurrency > 1)
        {
            _workers = new Worker[options.MaxConcurrency];
            _workers[0] = _first;
            for (var i = 1; i < _workers.Length; i++)
            {
                _workers[i] = new Worker(this);
            }
        }

        // The consumer loops start with the first event (see EnsureStarted): an idle subscription parks
        // no loop, which is most of what it would otherwise hold.
    }

    public override DeliveryMode Mode => DeliveryMode.Queued;

    public override int PendingCount => _channel.Reader.Count + _overflow.Count;

    protected override long DeliveredCount
    {
        get
        {
            long total = 0;
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.Delivered);
            }

            return total;
        }
    }

    private ReadOnlySpan<Worker> Workers => _workers ?? new ReadOnlySpan<Worker>(in _first);

    internal override bool TryDeliver(T @event, EventContext? context)
    {
        if (!_channel.Writer.TryWrite(new Envelope<T>(@event, context)))
        {
            return false;
        }

        EnsureStarted();
        return true;
    }

    internal override ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        var envelope = new Envelope<T>(@event, context);
        if (_channel.Writer.TryWrite(envelope))
        {
            EnsureStarted();
            return new ValueTask<bool>(true);
        }

        return DeliverWhenFull(envelope, noWait, cancellationToken);
    }

    /// <summary>
    /// Starts the consumer loops after the first write that found them not running. A write that waits
    /// for space or goes to the overflow needs no call: a full buffer means an earlier write started them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureStarted()
    {
        if (!_started)
        {
            Start();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Start()
    {
        // Under a lock so that a drain that starts them too (to empty what was written) reads every
        // worker's loop only after it was assigned. The lock is taken once per subscription.
        lock (_first)
        {
            if (_started)
            {
                return;
            }

            // On the thread pool, never inline: the first event is already in the channel, so a loop
            // started on this thread would run its handler on the publisher's stack. StartLoop also
            // leaves the publisher's execution context behind, so nothing ambient leaks into handlers.
            foreach (var worker in Workers)
            {
                worker.Loop = HandlerScope.StartLoop(static worker => worker.Owner.RunAsync(worker), worker);
            }

            _started = true;
        }
    }

    private ValueTask<bool> DeliverWhenFull(Envelope<T> envelope, bool noWait, CancellationToken cancellationToken)
    {
        if (_intakeClosed)
        {
            return new ValueTask<bool>(OnIntakeClosed(envelope));
        }

        // Only Wait and Fail reach this point: the drop modes always accept a write.
        if (_fullMode == BufferFullMode.Fail)
        {
            return new ValueTask<bool>(Refuse(envelope));
        }

        if (noWait || HandlerScope.IsInsideHandler)
        {
            return new ValueTask<bool>(TryOverflow(envelope) || Refuse(envelope));
        }

        return WaitForSpaceAsync(envelope, cancellationToken);
    }

    private async ValueTask<bool> WaitForSpaceAsync(Envelope<T> envelope, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return OnIntakeClosed(envelope);
        }
    }

    /// <summary>The channel no longer takes writes: the bus is closing (the publisher must hear it),
    /// or this subscription was disposed (the event simply is not for it any more).</summary>
    private bool OnIntakeClosed(Envelope<T> envelope)
    {
        Bus.ThrowIfClosed();
        envelope.Context?.Tracker?.Lost(DropReason.Unsubscribed);
        return true;
    }

    private bool Refuse(Envelope<T> envelope)
    {
        Lose(envelope.Event, envelope.Context, DropReason.Rejected);
        return false;
    }

    private bool TryOverflow(Envelope<T> envelope)
    {
        if (_overflow.Increment() > _overflowCapacity)
        {
            _overflow.Decrement();
            return false;
        }

        var write = _channel.Writer.WriteAsync(envelope, StopToken);
        if (write.IsCompletedSuccessfully)
        {
            _overflow.Decrement();
            return true;
        }

        if (write.IsCompleted)
        {
            // Closed (or stopping) before the write could even queue: nothing was accepted.
            _overflow.Decrement();
            _ = write.AsTask().Exception;
            return OnIntakeClosed(envelope);
        }

        _ = CompleteOverflowAsync(write, envelope);
        return true;
    }

    private async Task CompleteOverflowAsync(ValueTask write, Envelope<T> envelope)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Accepted by the publish, but the subscription stopped before the event reached the buffer.
            Lose(envelope.Event, envelope.Context, _halted ? _haltReason : DropReason.Abandoned);
        }
        finally
        {
            _overflow.Decrement();
        }
    }


    private void OnItemDropped(Envelope<T> envelope)
    {
        var reason = _fullMode switch
        {
            BufferFullMode.DropOldest => DropReason.DroppedOldest,
            BufferFullMode.DropNewest => DropReason.DroppedNewest,
            _ => DropReason.DroppedWrite,
        };
        Lose(envelope.Event, envelope.Context, reason);
    }

    private async Task RunAsync(Worker worker)
    {
        var reader = _channel.Reader;
        ExecutionContext? loopContext = null;
        var entered = false;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (!entered)
            {
                // Marked on the loop's own thread, where its execution context begins (the loop starts
                // without the publisher's). The context with the mark is this loop's context from now
                // on; HandleAsync puts it back after each handler.
                HandlerScope.Enter(worker);
                loopContext = ExecutionContext.Capture();
                entered = true;
            }

            while (reader.TryRead(out var envelope))
            {
                Volatile.Write(ref worker.State, Busy);
                if (_halted)
                {
                    var owned = Interlocked.Exchange(ref worker.State, Idle) == Busy;
                    Lose(envelope.Event, envelope.Context, _haltReason, count: owned);
                    continue;
                }

                var handled = HandleAsync(envelope, worker, loopContext);
                if (!handled.IsCompletedSuccessfully)
                {
                    await handled.ConfigureAwait(false);
                }

                Volatile.Write(ref worker.State, Idle);
            }
        }
    }

    private ValueTask HandleAsync(Envelope<T> envelope, Worker worker, ExecutionContext? loopContext)
    {
        ValueTask pending;
        try
        {
            if (Environment.Telemetry.ProcessObserved)
            {
                pending = Runner.InvokeAsync(envelope.Event, envelope.Context, attempt: 1, StopToken);
            }
            else if (Invoker.SyncHandler is { } handler)
            {
                // A plain synchronous handler is called directly: no virtual call, no ValueTask, no token.
                handler(envelope.Event);
                pending = default;
            }
            else
            {
                pending = Invoker.InvokeAsync(envelope.Event, envelope.Context, StopToken);
            }
        }
        catch (Exception ex)
        {
            RestoreContext(loopContext);
            return RecoverAsync(envelope, ex, worker);
        }

        // A synchronous handler that sets an AsyncLocal would change this loop's context and leak
        // the value into the next event's handler; put the loop's context back if it changed.

        RestoreContext(loopContext);

        if (pending.IsCompletedSuccessfully)
        {
            worker.Delivered++;
            SettleHandled(envelope.Context);
            return default;
        }

        return AwaitHandlerAsync(pending, envelope, worker);
    }

    private static void RestoreContext(ExecutionContext? loopContext)
    {
        if (loopContext is not null && !ReferenceEquals(ExecutionContext.Capture(), loopContext))
        {
            ExecutionContext.Restore(loopContext);
        }
    }

    private async ValueTask AwaitHandlerAsync(ValueTask pending, Envelope<T> envelope, Worker worker)
    {
        try
        {
            await pending.ConfigureAwait(false);
            worker.Delivered++;
            SettleHandled(envelope.Context);
        }
        catch (Exception ex)
        {
            await RecoverAsync(envelope, ex, worker).ConfigureAwait(false);
        }
    }

    private async ValueTask RecoverAsync(Envelope<T> envelope, Exception error, Worker worker)
    {
        // Retries happen in place: with one worker, later events wait behind this one, which keeps
        // the subscription's order (and only this subscription waits).
        var outcome = await Runner.ContinueAfterFailureAsync(envelope.Event, envelope.Context, error, 1, StopToken).ConfigureAwait(false);
        if (outcome == DeliveryOutcome.Delivered)
        {
            worker.Delivered++;
            SettleHandled(envelope.Context);
        }
        else if (outcome == DeliveryOutcome.DeadLettered)
        {
            SettleDeadLettered(envelope.Context);
        }
        else if (outcome == DeliveryOutcome.Abandoned)
        {
            // A halt at a deadline claims busy workers and counts their event itself.
            var claimed = Interlocked.Exchange(ref worker.State, Busy) == ClaimedAtHalt;
            Lose(envelope.Event, envelope.Context, _halted ? _haltReason : DropReason.Abandoned, count: !claimed);
        }
    }

    protected override async Task<long> DrainCoreAsync(CancellationToken deadline)
    {
        _intakeClosed = true;
        try
        {
            await _overflow.WhenZero().WaitAsync(deadline).ConfigureAwait(false);
            _channel.Writer.TryComplete();

            // A write may have landed without its publisher having started the loops yet: start them
            // here, so they empty the channel and end, before waiting for them.
            EnsureStarted();
            await WhenWorkersDone().WaitAsync(deadline).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return await AbandonAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The deadline passed: stop, count what is left, and let pending overflow writes fail and report.</summary>
    private async Task<long> AbandonAsync()
    {
        var before = GetStatistics().Abandoned;
        HaltCore(DropReason.Abandoned, waitForRunningHandlers: false);

        // With the channel completed, pending overflow writes fail at once; wait for them to report.
        await _overflow.WhenZero().ConfigureAwait(false);
        return GetStatistics().Abandoned - before;
    }

    protected override void HaltCore(DropReason reason, bool waitForRunningHandlers)
    {
        _intakeClosed = true;
        _haltReason = reason;
        _halted = true;
        _channel.Writer.TryComplete();

        // Make every worker's busy mark visible before reading them (see the class remarks).
        Interlocked.MemoryBarrierProcessWide();

        var current = HandlerScope.Current;
        if (waitForRunningHandlers)
        {
            // Cancel first: the handlers we wait for should stop promptly.
            CancelStop();
            foreach (var worker in Workers)
            {
                if (!ReferenceEquals(worker, current))
                {
                    WaitUntilIdle(worker);
                }
            }
        }
        else
        {
            long claimed = 0;
            foreach (var worker in Workers)
            {
                if (!ReferenceEquals(worker, current) &&
                    Interlocked.CompareExchange(ref worker.State, ClaimedAtHalt, Busy) == Busy)
                {
                    claimed++;
                }
            }

            // Their handlers still hold those events: counted now, reported if and when they give up.
            CountAbandoned(claimed);

            // Cancel only after claiming. A retry cancelled earlier could give up on another thread
            // (counting its event itself, as unclaimed) and still look busy when the claim ran, which
            // counted the same event twice: seen once as 11 abandoned of 10 in scenario 8.
            CancelStop();
        }

        while (_channel.Reader.TryRead(out var envelope))
        {
            Lose(envelope.Event, envelope.Context, reason);
        }
    }

    /// <summary>Waits for a running handler call to return, at most the drain timeout.</summary>
    /// <remarks>The bound is a safety net against a handler that ignores cancellation, not a timing
    /// rule, so it is measured on the real clock: a fake <see cref="TimeProvider"/> that never moves
    /// must not turn it into an endless spin.</remarks>
    private void WaitUntilIdle(Worker worker)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bus.DrainTimeoutOrDefault.TotalSeconds * Stopwatch.Frequency);
        var spinner = default(SpinWait);
        while (Volatile.Read(ref worker.State) == Busy && Stopwatch.GetTimestamp() < deadline)
        {
            spinner.SpinOnce(sleep1Threshold: 20);
        }
    }

    protected override bool IsOwnConsumer(object? consumer)
    {
        foreach (var worker in Workers)
        {
            if (ReferenceEquals(worker, consumer))
            {
                return true;
            }
        }

        return false;
    }

    private Task WhenWorkersDone()
    {
        // Disposed from inside its own handler: that worker finishes after the handler returns.
        var current = HandlerScope.Current;
        var loops = new List<Task>(Workers.Length);
        foreach (var worker in Workers)
        {
            if (!ReferenceEquals(worker, current))
            {
                loops.Add(worker.Loop);
            }
        }

        return Task.WhenAll(loops);
    }

    /// <summary>One consumer loop's state, written by that loop only (except the claim at a halt).</summary>
    private sealed class Worker(QueuedSubscription<T> owner)
    {
        internal readonly QueuedSubscription<T> Owner = owner;

        internal int State;
        internal long Delivered;
        internal Task Loop = Task.CompletedTask;
    }
}
