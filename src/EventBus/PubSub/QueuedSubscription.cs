using System.Diagnostics;
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
    private readonly ChannelWriter<Envelope<T>> _writer;
    private readonly BufferFullMode _fullMode;
    private readonly int _overflowCapacity;
    private readonly Worker[] _workers;
    private readonly Task[] _workerTasks;
    private readonly CancellationTokenSource _stop = new();
    private readonly PendingCounter _overflow = new();
    private volatile bool _intakeClosed;
    private volatile bool _halted;
    private DropReason _haltReason = DropReason.Abandoned;

    internal QueuedSubscription(InProcessEventBus bus, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence, string name)
        : base(bus, invoker, options, sequence, name)
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
        _writer = _channel.Writer;

        _workers = new Worker[options.MaxConcurrency];
        _workerTasks = new Task[options.MaxConcurrency];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this);
            _workerTasks[i] = HandlerScope.StartLoop(static worker => worker.Owner.RunAsync(worker), _workers[i]);
        }
    }

    public override DeliveryMode Mode => DeliveryMode.Queued;

    public override int PendingCount => _channel.Reader.Count + _overflow.Count;

    protected override long DeliveredCount
    {
        get
        {
            long total = 0;
            foreach (var worker in _workers)
            {
                total += Volatile.Read(ref worker.Delivered);
            }

            return total;
        }
    }

    internal override ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        var envelope = new Envelope<T>(@event, context);
        return _writer.TryWrite(envelope) ? new ValueTask<bool>(true) : DeliverWhenFull(envelope, noWait, cancellationToken);
    }

    private ValueTask<bool> DeliverWhenFull(Envelope<T> envelope, bool noWait, CancellationToken cancellationToken)
    {
        if (_intakeClosed)
        {
            return new ValueTask<bool>(OnIntakeClosed());
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
            await _writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return OnIntakeClosed();
        }
    }

    /// <summary>The channel no longer takes writes: the bus is closing (the publisher must hear it),
    /// or this subscription was disposed (the event simply is not for it any more).</summary>
    private bool OnIntakeClosed()
    {
        Bus.ThrowIfClosed();
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

        var write = _writer.WriteAsync(envelope, _stop.Token);
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
            return OnIntakeClosed();
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
        HandlerScope.Enter(worker);
        var reader = _channel.Reader;
        var stop = _stop.Token;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var envelope))
            {
                Volatile.Write(ref worker.State, Busy);
                if (_halted)
                {
                    var owned = Interlocked.Exchange(ref worker.State, Idle) == Busy;
                    Lose(envelope.Event, envelope.Context, _haltReason, count: owned);
                    continue;
                }

                var handled = HandleAsync(envelope, worker, stop);
                if (!handled.IsCompletedSuccessfully)
                {
                    await handled.ConfigureAwait(false);
                }

                Volatile.Write(ref worker.State, Idle);
            }
        }
    }

    private ValueTask HandleAsync(Envelope<T> envelope, Worker worker, CancellationToken stop)
    {
        // A synchronous handler that sets an AsyncLocal would change this loop's context and leak
        // the value into the next event's handler; put the loop's context back if it changed.
        var loopContext = ExecutionContext.Capture();
        ValueTask pending;
        try
        {
            pending = Runner.Telemetry.IsObserved
                ? Runner.InvokeAsync(envelope.Event, envelope.Context, attempt: 1, stop)
                : Invoker.InvokeAsync(envelope.Event, envelope.Context, stop);
        }
        catch (Exception ex)
        {
            RestoreContext(loopContext);
            return RecoverAsync(envelope, ex, worker, stop);
        }

        RestoreContext(loopContext);

        if (pending.IsCompletedSuccessfully)
        {
            worker.Delivered++;
            return default;
        }

        return AwaitHandlerAsync(pending, envelope, worker, stop);
    }

    private static void RestoreContext(ExecutionContext? loopContext)
    {
        if (loopContext is not null && !ReferenceEquals(ExecutionContext.Capture(), loopContext))
        {
            ExecutionContext.Restore(loopContext);
        }
    }

    private async ValueTask AwaitHandlerAsync(ValueTask pending, Envelope<T> envelope, Worker worker, CancellationToken stop)
    {
        try
        {
            await pending.ConfigureAwait(false);
            worker.Delivered++;
        }
        catch (Exception ex)
        {
            await RecoverAsync(envelope, ex, worker, stop).ConfigureAwait(false);
        }
    }

    private async ValueTask RecoverAsync(Envelope<T> envelope, Exception error, Worker worker, CancellationToken stop)
    {
        // Retries happen in place: with one worker, later events wait behind this one, which keeps
        // the subscription's order (and only this subscription waits).
        var outcome = await Runner.ContinueAfterFailureAsync(envelope.Event, envelope.Context, error, 1, stop).ConfigureAwait(false);
        if (outcome == DeliveryOutcome.Delivered)
        {
            worker.Delivered++;
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
            _writer.TryComplete();
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
        _writer.TryComplete();
        _stop.Cancel();

        // Make every worker's busy mark visible before reading them (see the class remarks).
        Interlocked.MemoryBarrierProcessWide();

        var current = HandlerScope.Current;
        if (waitForRunningHandlers)
        {
            foreach (var worker in _workers)
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
            foreach (var worker in _workers)
            {
                if (!ReferenceEquals(worker, current) &&
                    Interlocked.CompareExchange(ref worker.State, ClaimedAtHalt, Busy) == Busy)
                {
                    claimed++;
                }
            }

            // Their handlers still hold those events: counted now, reported if and when they give up.
            CountAbandoned(claimed);
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

    protected override bool IsOwnConsumer(object? consumer) => consumer is not null && Array.IndexOf(_workers, consumer) >= 0;

    private Task WhenWorkersDone()
    {
        var current = HandlerScope.Current;
        if (!IsOwnConsumer(current))
        {
            return Task.WhenAll(_workerTasks);
        }

        // Disposed from inside its own handler: that worker finishes after the handler returns.
        var others = new List<Task>(_workerTasks.Length);
        for (var i = 0; i < _workers.Length; i++)
        {
            if (!ReferenceEquals(_workers[i], current))
            {
                others.Add(_workerTasks[i]);
            }
        }

        return Task.WhenAll(others);
    }

    /// <summary>One consumer loop's state, written by that loop only (except the claim at a halt).</summary>
    private sealed class Worker(QueuedSubscription<T> owner)
    {
        internal readonly QueuedSubscription<T> Owner = owner;
        internal int State;
        internal long Delivered;
    }
}
