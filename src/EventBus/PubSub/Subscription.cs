using System.Runtime.CompilerServices;
using EventBus.Consumers;
using EventBus.Delivery;

namespace EventBus.PubSub;

/// <summary>What queued and inline subscriptions share: identity, matching, and the stop calls, all
/// over one consumer engine.</summary>
/// <remarks>
/// A subscription adds routing to its <see cref="Consumer{T}"/>; the buffer, the workers, retries (in
/// place, so one worker keeps the order), counting and the lifecycle are the engine's. Stop calls are
/// requests on the engine's lifecycle: <see cref="Dispose"/> halts (always, also while a drain runs),
/// <see cref="DisposeAsync"/> drains within <see cref="EventBusOptions.DrainTimeout"/>. The bus keeps the
/// subscription in its books until its consumer has stopped.
/// </remarks>
internal abstract class Subscription<T> : Target<T>, ISubscriptionEntry
{
    private int _retiring;

    protected Subscription(ISubscriptionHost host, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence, bool inline)
    {
        Host = host;
        Invoker = invoker;
        Sequence = sequence;
        Topic = options.Topic;
        Consumer = new Consumer<T>(
            new ConsumerSettings
            {
                Name = options.Name,
                Capacity = options.Capacity,
                FullMode = options.FullMode,
                OverflowCapacity = options.OverflowCapacity,
                WorkerCount = options.MaxConcurrency,
                RetryPolicy = options.RetryPolicy,
                Retries = RetryPlacement.InPlace,
                DeadLetterFailedItems = true,
                DeadLetterSink = options.DeadLetterSink,
                Inline = inline,
            },
            host.Environment,
            invoker,
            sequence);
    }

    /// <summary>The name given in the options, else the event type's name and the creation sequence.</summary>
    public string Name => Consumer.Name;

    public Type EventType => typeof(T);

    public string? Topic { get; }

    public abstract DeliveryMode Mode { get; }

    public int PendingCount => Consumer.Pending;

    public int Capacity => Consumer.Settings.Capacity;

    public bool IsActive => Consumer.Lifecycle.IsAccepting && !Host.IsClosed;

    public long Sequence { get; }

    public bool WantsContext => Invoker.WantsContext;

    public bool IsRetired { get; set; }

    public ConsumerLifecycle Lifecycle => Consumer.Lifecycle;

    internal override ISubscriptionEntry Entry => this;

    /// <summary>The engine under this subscription.</summary>
    internal Consumer<T> Consumer { get; }

    protected ISubscriptionHost Host { get; }

    protected HandlerInvoker<T> Invoker { get; }

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
        Delivered: Consumer.Delivered,
        FailedAttempts: Consumer.FailedAttempts,
        Retried: Consumer.Retried,
        DeadLettered: Consumer.DeadLettered,
        Dropped: Consumer.Dropped,
        Abandoned: Consumer.Abandoned);

    public void WaitForRunningHandlers(long deadline) => Consumer.WaitForRunningHandlers(deadline);

    public Task? WaitFromInside() => Consumer.CallerSlot() is { } caller ? Consumer.WhenQuiescentExceptAsync(caller) : null;

    public void Dispose()
    {
        // Halts at once even while a drain (the bus's or DisposeAsync's) is under way: the promise is that
        // no handler call starts after Dispose returns.
        Host.Unregister(this);
        Consumer.Lifecycle.RequestHalt(DropReason.Unsubscribed);
        Consumer.WaitForRunningHandlers(Consumer<T>.DeadlineIn(Host.DrainTimeoutOrDefault));
        RetireWhenStopped();
    }

    public async ValueTask DisposeAsync()
    {
        Host.Unregister(this);
        var deadline = Host.CreateDrainDeadline();
        var stopped = Consumer.Lifecycle.RequestDrain(deadline.Token);
        _ = stopped.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), deadline, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        RetireWhenStopped();
        await (WaitFromInside() ?? stopped).ConfigureAwait(false);
    }

    public override string ToString() => $"{Name} ({Mode}, {typeof(T).Name}{(Topic is null ? string.Empty : " on '" + Topic + "'")})";

    /// <summary>Maps the engine's answer to an offer to the route's: true when taken (or no longer for this
    /// subscription), false when refused.</summary>
    /// <exception cref="ObjectDisposedException">The bus is closing: the publisher must hear it.</exception>
    protected bool Taken(WriteResult result, EventContext? context)
    {
        switch (result)
        {
            case WriteResult.Accepted:
                return true;
            case WriteResult.Refused:
                return false;
            default:
                // The intake is closed: the bus is closing (the publisher must hear it), or this subscription
                // was disposed (the event simply is not for it any more).
                Host.ThrowIfClosed();
                context?.Tracker?.Lost(Name, DropReason.Unsubscribed);
                return true;
        }
    }

    /// <summary><see cref="Taken"/> once a write that waited for room is done; pooled, as that wait is.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected async ValueTask<bool> TakenAsync(ValueTask<WriteResult> written, EventContext? context) =>
        Taken(await written.ConfigureAwait(false), context);

    private void RetireWhenStopped()
    {
        if (Interlocked.Exchange(ref _retiring, 1) != 0)
        {
            return;
        }

        var stopped = Consumer.Lifecycle.Completion;
        if (stopped.IsCompleted)
        {
            Host.Retire(this);
            return;
        }

        _ = stopped.ContinueWith(
            static (_, state) => ((Subscription<T>)state!).Host.Retire((Subscription<T>)state),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
