using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>What queued and inline subscriptions share: identity, matching, counters and the
/// dispose protocol.</summary>
internal abstract class Subscription<T> : Target<T>, ISubscriptionEntry
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopClaimed;
    private int _disposed;
    private long _dropped;
    private long _abandoned;

    protected Subscription(InProcessEventBus bus, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence, string name)
    {
        Bus = bus;
        Invoker = invoker;
        Sequence = sequence;
        Name = name;
        Topic = options.Topic;
        Runner = new RetryRunner<T>(invoker, options.RetryPolicy, bus.Environment, options.DeadLetterSink, name);
    }

    public string Name { get; }

    public Type EventType => typeof(T);

    public string? Topic { get; }

    public abstract DeliveryMode Mode { get; }

    public abstract int PendingCount { get; }

    public bool IsActive => Volatile.Read(ref _stopClaimed) == 0 && !Bus.IsClosed;

    public long Sequence { get; }

    public bool WantsContext => Invoker.WantsContext;

    public bool IsRetired { get; set; }

    internal override ISubscriptionEntry Entry => this;

    protected InProcessEventBus Bus { get; }

    protected HandlerInvoker<T> Invoker { get; }

    protected RetryRunner<T> Runner { get; }

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

    public SubscriptionStatistics GetStatistics() => new(
        Delivered: DeliveredCount,
        FailedAttempts: Runner.FailedAttempts,
        Retried: Runner.Retried,
        DeadLettered: Runner.DeadLettered,
        Dropped: Interlocked.Read(ref _dropped),
        Abandoned: Interlocked.Read(ref _abandoned));

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
            await _stopped.Task.ConfigureAwait(false);
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
            _stopped.TrySetResult();
        }
    }

    public void Halt(DropReason reason, bool waitForRunningHandlers)
    {
        HaltCore(reason, waitForRunningHandlers);
        _stopped.TrySetResult();
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
    }

    /// <summary>Counts abandoned events that cannot be reported one by one (their handler still holds them).</summary>
    protected void CountAbandoned(long count) => Interlocked.Add(ref _abandoned, count);

    /// <summary>Applies the outcome of a retried delivery.</summary>
    protected void OnRetryOutcome(DeliveryOutcome outcome, T @event, EventContext? context, DropReason haltReason, bool alreadyCounted)
    {
        if (outcome == DeliveryOutcome.Abandoned)
        {
            Lose(@event, context, haltReason, count: !alreadyCounted);
        }
    }
}
