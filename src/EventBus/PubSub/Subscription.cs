using System.Runtime.CompilerServices;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>What queued and inline subscriptions share: identity, matching, counters and the
/// dispose protocol.</summary>
/// <remarks>
/// Everything a subscription needs only on some paths is created on first use: its generated
/// name, its retry runner (with its telemetry), its stop token source and the signal a concurrent
/// <see cref="DisposeAsync"/> waits on. Most subscriptions never fail, never see a listener and
/// are never disposed while draining, and an idle one should cost little memory (issue 6 sets a
/// bound of 1 KiB for a queued one).
/// </remarks>
internal abstract class Subscription<T> : Target<T>, ISubscriptionEntry
{
    private readonly RetryPolicy _retryPolicy;
    private readonly IDeadLetterSink? _deadLetterSink;
    private string? _name;
    private RetryRunner<T>? _runner;
    private CancellationTokenSource? _stop;
    private volatile bool _stopRequested;
    private TaskCompletionSource? _stopped;
    private volatile bool _isStopped;
    private int _stopClaimed;
    private int _disposed;
    private long _dropped;
    private long _abandoned;

    protected Subscription(InProcessEventBus bus, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence)
    {
        Bus = bus;
        Invoker = invoker;
        Sequence = sequence;
        _name = options.Name;
        Topic = options.Topic;
        Capacity = options.Mode == DeliveryMode.Queued ? options.Capacity : 0;
        _retryPolicy = options.RetryPolicy;
        _deadLetterSink = options.DeadLetterSink;
    }

    /// <summary>The name given in the options, else the event type's name and the creation sequence
    /// (built on first use; two threads racing build equal strings).</summary>
    public string Name => _name ??= $"{typeof(T).Name}#{Sequence}";

    public Type EventType => typeof(T);

    public string? Topic { get; }

    public abstract DeliveryMode Mode { get; }

    public abstract int PendingCount { get; }

    public int Capacity { get; }

    public bool IsActive => Volatile.Read(ref _stopClaimed) == 0 && !Bus.IsClosed;

    public long Sequence { get; }

    public bool WantsContext => Invoker.WantsContext;

    public bool IsRetired { get; set; }

    internal override ISubscriptionEntry Entry => this;

    protected InProcessEventBus Bus { get; }

    protected HandlerInvoker<T> Invoker { get; }

    /// <summary>Retries and dead-letters failed deliveries, and traces handler attempts when someone listens.</summary>
    protected RetryRunner<T> Runner => Volatile.Read(ref _runner) ?? CreateRunner();

    /// <summary>Fires when the subscription halts; handlers and overflow writes get it.</summary>
    protected CancellationToken StopToken => (Volatile.Read(ref _stop) ?? CreateStop()).Token;

    protected DeliveryEnvironment Environment => Bus.Environment;

    public bool Matches(Type runtimeType, string? topic) =>
        typeof(T).IsAssignableFrom(runtimeType) && (Topic is null || string.Equals(Topic, topic, StringComparison.Ordinal));

    public virtual void AddTo<TRoute>(RouteSnapshot<TRoute>.Builder builder)
    {
        if (typeof(TRoute) == typeof(T))
        {
            builder.AddTarget((Target<TRoute>)(object)this);
        }
        else
        {
            builder.AddTarget(new CastTarget<TRoute, T>(this));
        }
    }

    public SubscriptionStatistics GetStatistics()
    {
        var runner = Volatile.Read(ref _runner);
        return new(
            Delivered: DeliveredCount,
            FailedAttempts: runner?.FailedAttempts ?? 0,
            Retried: runner?.Retried ?? 0,
            DeadLettered: runner?.DeadLettered ?? 0,
            Dropped: Interlocked.Read(ref _dropped),
            Abandoned: Interlocked.Read(ref _abandoned));
    }

    public bool TryBeginStop() => Interlocked.Exchange(ref _stopClaimed, 1) == 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Unsubscribing halts at once even while a drain (the bus's or DisposeAsync's) is under
        // way: the promise is that no handler call starts after Dispose returns.
        TryBeginStop();
        Bus.Unregister(this);
        Halt(DropReason.Unsubscribed, waitForRunningHandlers: true);
        Bus.Retire(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Bus.Unregister(this);
        if (TryBeginStop())
        {
            using (var deadline = Bus.CreateDrainDeadline())
            {
                await DrainAsync(deadline.Token).ConfigureAwait(false);
            }

            Bus.Retire(this);
        }
        else if (!IsOwnConsumer(HandlerScope.Current))
        {
            // The bus is draining this subscription already: finish when it does. (From inside
            // this subscription's own handler that would wait on itself, so it returns at once.)
            await WhenStopped().ConfigureAwait(false);
        }
    }

    public async Task<long> DrainAsync(CancellationToken deadline)
    {
        try
        {
            return await DrainCoreAsync(deadline).ConfigureAwait(false);
        }
        finally
        {
            MarkStopped();
        }
    }

    public void Halt(DropReason reason, bool waitForRunningHandlers)
    {
        HaltCore(reason, waitForRunningHandlers);
        MarkStopped();
    }

    /// <summary>Cancels <see cref="StopToken"/>, whether or not its source exists yet.</summary>
    protected void CancelStop()
    {
        _stopRequested = true;

        // Pairs with CreateStop: either it sees the request or this sees its source.
        Interlocked.MemoryBarrier();
        Volatile.Read(ref _stop)?.Cancel();
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
            // The subscription halted before anyone asked for the token.
            source.Cancel();
        }

        return source;
    }

    private RetryRunner<T> CreateRunner()
    {
        var created = new RetryRunner<T>(Invoker, _retryPolicy, Environment, _deadLetterSink, Name);
        return Interlocked.CompareExchange(ref _runner, created, null) ?? created;
    }

    private void MarkStopped()
    {
        _isStopped = true;

        // Pairs with WhenStopped: either it sees the flag or this sees its signal.
        Interlocked.MemoryBarrier();
        Volatile.Read(ref _stopped)?.TrySetResult();
    }

    private Task WhenStopped()
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var signal = Interlocked.CompareExchange(ref _stopped, created, null) ?? created;
        if (_isStopped)
        {
            signal.TrySetResult();
        }

        return signal.Task;
    }

    /// <summary>Delivers what was accepted, until <paramref name="deadline"/>; returns how many were abandoned.</summary>
    protected abstract Task<long> DrainCoreAsync(CancellationToken deadline);

    /// <summary>Stops at once; buffered events are lost with <paramref name="reason"/>, each counted and reported.</summary>
    protected abstract void HaltCore(DropReason reason, bool waitForRunningHandlers);

    /// <summary>Whether <paramref name="consumer"/> (a <see cref="HandlerScope"/> marker) is one of this subscription's consumer loops.</summary>
    protected virtual bool IsOwnConsumer(object? consumer) => false;

    public override string ToString() => $"{Name} ({Mode}, {typeof(T).Name}{(Topic is null ? string.Empty : " on '" + Topic + "'")})";

    /// <summary>Successful deliveries so far.</summary>
    protected abstract long DeliveredCount { get; }

    /// <summary>Counts and reports an event this subscription will not handle.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Its context.</param>
    /// <param name="reason">Why.</param>
    /// <param name="count">False when the loss was already counted (an in-flight event claimed at a deadline).</param>
    protected void Lose(T @event, EventContext? context, DropReason reason, bool count = true)
    {
        if (count)
        {
            Interlocked.Increment(ref reason == DropReason.Abandoned ? ref _abandoned : ref _dropped);
        }

        Environment.ReportDropped(@event, context, Name, reason);
        context?.Tracker?.Lost(reason);
    }

    /// <summary>Tells a publisher waiting for the settlement that this subscription handled the event.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void SettleHandled(EventContext? context) => context?.Tracker?.Handled();

    /// <summary>Tells a publisher waiting for the settlement that this subscription dead-lettered the event.</summary>
    protected static void SettleDeadLettered(EventContext? context) => context?.Tracker?.DeadLettered();

    /// <summary>Counts abandoned events that cannot be reported one by one (their handler still holds them).</summary>
    protected void CountAbandoned(long count) => Interlocked.Add(ref _abandoned, count);
}
