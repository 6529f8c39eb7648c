using System.Runtime.CompilerServices;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.Consumers;

/// <summary>
/// The one consumer engine: a bounded buffer, worker slots that call a handler, retries in place or on a
/// timer, outcome counting, and the <see cref="ConsumerLifecycle"/> every stop request goes through.
/// Queued and inline subscriptions and every kind of work queue are faces over it that add only their
/// policies (routing, partitions, batches, the inline lane).
/// </summary>
/// <remarks>
/// <para><b>Counting.</b> Every item is counted as accepted when the intake takes it (see
/// <c>Consumer.Intake.cs</c>), and counted again exactly once when its outcome is decided: delivered (by
/// the worker slot that ran it), dead-lettered, dropped or abandoned. An offer the intake refuses as closed
/// is not counted at all. So <c>accepted - finished</c> is what is still unfinished
/// (<see cref="Outstanding"/>), and at quiescence <c>accepted = delivered + dead-lettered + dropped +
/// abandoned</c>. Each hand-over between owners (buffer, worker, timer, a policy's queues) has a
/// single winner, so nothing is counted twice.</para>
/// <para>The partial files split the engine by concern: intake (<c>Consumer.Intake.cs</c>), handling and
/// retries (<c>Consumer.Handling.cs</c>), stopping (<c>Consumer.Stopping.cs</c>) and the inline lane
/// (<c>Consumer.Inline.cs</c>).</para>
/// </remarks>
internal sealed partial class Consumer<T> : IStopTarget
{
    private readonly ConsumerSettings _settings;
    private readonly DeliveryEnvironment _environment;
    private readonly HandlerInvoker<T>? _handler;
    private readonly ConsumerObserver<T>? _observer;
    private readonly WorkDispatch<T>? _dispatch;
    private readonly ConsumerWorker<T> _first;
    private readonly ConsumerWorker<T>[]? _workers;
    private readonly long _sequence;
    private string? _name;
    private RetryRunner<T>? _runner;

    private long _stopStartedAt;
    private long _abandonedAtStopStart;
    private int _stopRecorded;
    private long _deadLettered;
    private long _dropped;
    private long _abandoned;

    internal Consumer(
        ConsumerSettings settings,
        DeliveryEnvironment environment,
        HandlerInvoker<T>? handler,
        long sequence = 0,
        ConsumerObserver<T>? observer = null,
        WorkDispatch<T>? dispatch = null)
    {
        _settings = settings;
        _environment = environment;
        _handler = handler;
        _sequence = sequence;
        _name = settings.Name;
        _observer = observer;
        _dispatch = dispatch;
        Lifecycle = new ConsumerLifecycle(this);
        _first = new ConsumerWorker<T>(this, 0);
        if (settings.WorkerCount > 1)
        {
            _workers = new ConsumerWorker<T>[settings.WorkerCount];
            _workers[0] = _first;
            for (var i = 1; i < _workers.Length; i++)
            {
                _workers[i] = new ConsumerWorker<T>(this, i);
            }
        }

        dispatch?.Attach(this);
        if (settings.Inline)
        {
            // Publishers take the slots; lane loops start only while events wait (Consumer.Inline.cs).
            LaneOwner = settings.WorkerCount == 1 ? NeverOwned : Revoked;
            _started = true;
        }
        else if (settings.StartAtOnce)
        {
            StartWorkers();
        }
    }

    /// <summary>The consumer's name: the one given, else the item type's name and the creation sequence (built on first use).</summary>
    internal string Name => _name ??= $"{typeof(T).Name}#{_sequence}";

    internal ConsumerLifecycle Lifecycle { get; }

    internal ConsumerSettings Settings => _settings;

    internal DeliveryEnvironment Environment => _environment;

    internal TimeProvider Time => _environment.Time;

    /// <summary>Retries and dead-letters failed items, and traces attempts when someone listens (created on first use).</summary>
    internal RetryRunner<T> Runner => Volatile.Read(ref _runner) ?? CreateRunner();

    /// <summary>The worker slots (one, the default, needs no array).</summary>
    internal ReadOnlySpan<ConsumerWorker<T>> Workers => _workers ?? new ReadOnlySpan<ConsumerWorker<T>>(in _first);

    /// <summary>Set once a halt began: workers take no more items and a halt may claim theirs.</summary>
    internal bool IsHalted => _halted;

    /// <summary>Set once intake closed (a drain or a halt began).</summary>
    internal bool IsClosed => _closed;

    /// <summary>Items waiting: buffered, overflowing, held by the dispatch policy or waiting for a retry.</summary>
    internal int Pending => Math.Max(0, BufferedCount + Volatile.Read(ref _pendingPutBacks)
        + (_retries?.Count ?? 0) + (_dispatch?.Held ?? 0));

    /// <summary>Items whose handler is running now.</summary>
    internal int InFlight
    {
        get
        {
            var total = 0;
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.InFlight);
            }

            return total;
        }
    }

    internal long Delivered
    {
        get
        {
            long total = 0;
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.Delivered) + Volatile.Read(ref worker.OwnerDelivered);
            }

            return total;
        }
    }

    internal long DeadLettered => Interlocked.Read(ref _deadLettered);

    internal long Dropped => Interlocked.Read(ref _dropped);

    internal long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>Every item accepted (see the remarks).</summary>
    internal long Accepted
    {
        get
        {
            // Put-backs first: one counted after its write is then never subtracted without it (Consumer.Intake.cs).
            var putBack = Interlocked.Read(ref _putBack);
            var total = (Volatile.Read(ref _buffer)?.Written ?? 0) - putBack + Interlocked.Read(ref _acceptedOutside);
            foreach (var worker in Workers)
            {
                total += Volatile.Read(ref worker.AcceptedDirectly) + Volatile.Read(ref worker.OwnerAccepted);
            }

            return total;
        }
    }

    /// <summary>Failed attempts so far (retried or not).</summary>
    internal long FailedAttempts => Volatile.Read(ref _runner)?.FailedAttempts ?? 0;

    /// <summary>Retries scheduled or made so far.</summary>
    internal long Retried => Volatile.Read(ref _runner)?.Retried ?? 0;

    /// <summary>How long ago the first stop request arrived (zero before one did).</summary>
    internal TimeSpan StopElapsed => Volatile.Read(ref _stopRecorded) == 0 ? TimeSpan.Zero : Time.GetElapsedTime(_stopStartedAt);

    /// <summary>True when items were abandoned since the first stop request: the stop did not finish everything.</summary>
    internal bool AbandonedSinceStop => Abandoned != Interlocked.Read(ref _abandonedAtStopStart);

    /// <summary>Accepted items not yet finished. Reads the finished counts before the accepted ones, so a
    /// race can only overstate it.</summary>
    internal long Outstanding()
    {
        var finished = Delivered + DeadLettered + Dropped + Abandoned;
        return Accepted - finished;
    }

    /// <summary>Counts an item delivered by the holder of <paramref name="worker"/>, which owns its outcome.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountDelivered(ConsumerWorker<T> worker, in WorkItem<T> item, int attempt, bool byLaneOwner = false)
    {
        if (byLaneOwner)
        {
            // Written by the lane's bias owner only (see ConsumerWorker.OwnerAccepted).
            Volatile.Write(ref worker.OwnerDelivered, worker.OwnerDelivered + 1);
        }
        else if (_settings.Inline)
        {
            // A direct inline call counts after End gave the slot back: the next caller may be counting already.
            Interlocked.Increment(ref worker.Delivered);
        }
        else
        {
            // One writer at a time (the slot's holder, whose loop keeps the slot): a plain store publishes the count.
            Volatile.Write(ref worker.Delivered, worker.Delivered + 1);
        }

        item.Context?.Tracker?.Handled(Name, attempt);
        _observer?.OnDelivered(item);
        if (_closed)
        {
            OnFinishedWhileClosed();
        }
    }

    /// <summary>Counts <paramref name="count"/> items of a batch delivered by the holder of <paramref name="worker"/>.</summary>
    internal void CountDelivered(ConsumerWorker<T> worker, Batch<T> batch, int from, int count)
    {
        Volatile.Write(ref worker.Delivered, worker.Delivered + count);
        for (var i = from; i < from + count; i++)
        {
            ref readonly var item = ref batch.ItemAt(i);
            item.Context?.Tracker?.Handled(Name, (batch.Failure?.Attempts ?? 0) + 1);
            _observer?.OnDelivered(item);
        }

        if (_closed)
        {
            OnFinishedWhileClosed();
        }
    }

    /// <summary>Counts an item that failed for good and sends it to the dead-letter sink.</summary>
    internal ValueTask DeadLetterAsync(in WorkItem<T> item, Exception error, int attempts, DateTimeOffset firstFailedAt)
    {
        if (!_settings.DeadLetterFailedItems)
        {
            Lose(item, DropReason.HandlerFailed, attempts);
            return default;
        }

        Interlocked.Increment(ref _deadLettered);
        _observer?.OnDeadLettered(item);
        var written = Runner.DeadLetterAsync(item.Item, item.Context, error, attempts, firstFailedAt, StopToken);
        if (_closed)
        {
            OnFinishedWhileClosed();
        }

        // The publisher's settlement counts the dead letter once it is written (a sink may be asynchronous).
        if (item.Context?.Tracker is { } tracker)
        {
            if (!written.IsCompleted)
            {
                return SettleWhenWrittenAsync(written, tracker, Name, attempts);
            }

            tracker.DeadLettered(Name, attempts);
        }

        return written;
    }

    private static async ValueTask SettleWhenWrittenAsync(ValueTask written, PubSub.PublishTracker tracker, string consumer, int attempts)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        finally
        {
            tracker.DeadLettered(consumer, attempts);
        }
    }

    /// <summary>Counts and reports an item this consumer will not handle.</summary>
    internal void Lose(in WorkItem<T> item, DropReason reason, int attempts = 0)
    {
        ReportLost(item, reason, attempts);
        CountLost(reason);
    }

    /// <summary>Counts an item lost for <paramref name="reason"/>; its report comes separately (<see cref="ReportLost"/>).</summary>
    internal void CountLost(DropReason reason)
    {
        Interlocked.Increment(ref reason == DropReason.Abandoned ? ref _abandoned : ref _dropped);
        if (_closed)
        {
            OnFinishedWhileClosed();
        }
    }

    /// <summary>Reports a lost item (to <see cref="EventBusOptions.OnDropped"/>, the publisher's settlement and
    /// the face); it is counted separately (<see cref="CountLost"/>).</summary>
    internal void ReportLost(in WorkItem<T> item, DropReason reason, int attempts = 0)
    {
        _environment.ReportDropped(item.Item, item.Context, Name, reason);
        item.Context?.Tracker?.Lost(Name, reason, attempts == 0 ? item.Failure?.Attempts ?? 0 : attempts);
        _observer?.OnLost(item, reason);
    }

    /// <summary>Counts and reports the unfinished items of a batch (from its offset on).</summary>
    internal void Lose(Batch<T> batch, DropReason reason)
    {
        for (var i = batch.Offset; i < batch.Size; i++)
        {
            Lose(batch.ItemAt(i), reason);
        }
    }

    /// <summary>The slot whose handler is calling, when the caller runs inside one of this consumer's handlers.</summary>
    internal ConsumerWorker<T>? CallerSlot() =>
        HandlerScope.Current is ConsumerWorker<T> worker && ReferenceEquals(worker.Owner, this) ? worker : LaneSlotOfCaller();

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Notes when the first stop request arrived, and what was abandoned before it.</summary>
    private void RecordStopStart()
    {
        if (Interlocked.Exchange(ref _stopRecorded, 1) == 0)
        {
            Interlocked.Exchange(ref _abandonedAtStopStart, Abandoned);
            _stopStartedAt = Time.GetTimestamp();
        }
    }

    private RetryRunner<T> CreateRunner()
    {
        var created = new RetryRunner<T>(_settings.RetryPolicy, _environment, _settings.DeadLetterSink, Name);
        return Interlocked.CompareExchange(ref _runner, created, null) ?? created;
    }
}
