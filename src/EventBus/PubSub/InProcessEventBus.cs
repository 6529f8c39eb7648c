using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>The in-process implementation of <see cref="IEventBus"/>.</summary>
/// <remarks>
/// Publish never locks: it finds its route through a per-type array index and reads the route's
/// immutable snapshot. Subscribe, unsubscribe and route creation take <see cref="_gate"/>, copy
/// and swap snapshots. No user code runs under the lock.
/// </remarks>
internal sealed class InProcessEventBus : IEventBus
{
    private const int Open = 0;
    private const int Completing = 1;
    private const int Disposed = 2;

    private static readonly SubscriptionOptions s_defaultSubscriptionOptions = new();

    private readonly Lock _gate = new();
    private readonly List<ISubscriptionEntry> _subscriptions = [];
    private readonly List<IRoute> _routes = [];
    private object?[] _typeRoutes = new object?[16];
    private volatile int _state;
    private long _nextSequence;
    private Task<DrainResult>? _completion;
    private SubscriptionStatistics _retired;

    internal InProcessEventBus(EventBusOptions options)
    {
        Environment = DeliveryEnvironment.From(options, ObserveDepth, Conventions.SubscriptionName);
        DrainTimeout = options.DrainTimeout;
    }

    internal DeliveryEnvironment Environment { get; }

    internal TimeSpan DrainTimeout { get; }

    /// <summary>The drain timeout as a finite bound for safety waits (an infinite timeout waits a day).</summary>
    internal TimeSpan DrainTimeoutOrDefault => DrainTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromDays(1) : DrainTimeout;

    internal bool IsClosed => _state != Open;

    public IReadOnlyList<IEventSubscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }
    }

    public ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default)
    {
        if (@event is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(@event));
        }

        return RouteOf(@event, topic: null).PublishAsync(@event, options: null, noWait: false, cancellationToken);
    }

    public ValueTask PublishAsync<TEvent>(TEvent @event, PublishOptions? options, CancellationToken cancellationToken = default)
    {
        if (@event is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(@event));
        }

        return RouteOf(@event, options?.Topic).PublishAsync(@event, options, noWait: false, cancellationToken);
    }

    public void Publish<TEvent>(TEvent @event, PublishOptions? options = null)
    {
        if (@event is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(@event));
        }

        RouteOf(@event, options?.Topic).Publish(@event, options);
    }

    public IEventSubscription Subscribe<TEvent>(Action<TEvent> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(HandlerInvoker<TEvent>.Create(handler), options);
    }

    public IEventSubscription Subscribe<TEvent>(Action<TEvent, EventContext> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(HandlerInvoker<TEvent>.Create(handler), options);
    }

    public IEventSubscription Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(HandlerInvoker<TEvent>.Create(handler), options);
    }

    public IEventSubscription Subscribe<TEvent>(
        Func<TEvent, EventContext, CancellationToken, ValueTask> handler, SubscriptionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(HandlerInvoker<TEvent>.Create(handler), options);
    }

    public IPublisher<TEvent> GetPublisher<TEvent>(string? topic = null)
    {
        if (topic is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        }

        ThrowIfClosed();
        var routes = GetTypeRoutes<TEvent>();
        return new Publisher<TEvent>(routes, routes.Get(typeof(TEvent), topic));
    }

    public ValueTask<DrainResult> CompleteAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<DrainResult>? owner = null;
        ISubscriptionEntry[] subscriptions = [];
        Task<DrainResult> completion;
        lock (_gate)
        {
            if (_completion is null)
            {
                _state = Completing;
                owner = new TaskCompletionSource<DrainResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _completion = owner.Task;
                subscriptions = [.. _subscriptions];
            }

            completion = _completion;
        }

        if (owner is not null)
        {
            _ = DrainAllAsync(owner, subscriptions, cancellationToken);
        }

        return new ValueTask<DrainResult>(completion);
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = CreateDrainDeadline())
        {
            await CompleteAsync(deadline.Token).ConfigureAwait(false);
        }

        _state = Disposed;
        Environment.Telemetry.Dispose();
    }

    public void Dispose()
    {
        TaskCompletionSource<DrainResult>? owner = null;
        ISubscriptionEntry[] subscriptions;
        lock (_gate)
        {
            if (_state == Disposed)
            {
                return;
            }

            _state = Disposed;
            subscriptions = [.. _subscriptions];
            if (_completion is null)
            {
                owner = new TaskCompletionSource<DrainResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _completion = owner.Task;
            }
        }

        var start = Environment.Time.GetTimestamp();
        foreach (var subscription in subscriptions)
        {
            if (subscription.TryBeginStop())
            {
                subscription.Halt(DropReason.Abandoned, waitForRunningHandlers: false);
            }
        }

        owner?.TrySetResult(BuildResult(subscriptions, abandonedNow: -1, Environment.Time.GetElapsedTime(start)));
        Environment.Telemetry.Dispose();
    }

    internal void ThrowIfClosed()
    {
        var state = _state;
        if (state != Open)
        {
            ThrowHelper.ThrowBusClosed(disposed: state == Disposed);
        }
    }

    internal CancellationTokenSource CreateDrainDeadline() =>
        DrainTimeout == Timeout.InfiniteTimeSpan
            ? new CancellationTokenSource()
            : new CancellationTokenSource(DrainTimeout, Environment.Time);

    /// <summary>Creates the route for a run-time type and topic, once, and fills it from the live subscriptions.</summary>
    internal Route<T> CreateRoute<T>(TypeRoutes<T> owner, Type runtimeType, string? topic)
    {
        lock (_gate)
        {
            if (owner.TryGetExisting(runtimeType, topic, out var existing))
            {
                return existing;
            }

            var route = new Route<T>(this, runtimeType, topic, BuildSnapshot<T>(runtimeType, topic));
            _routes.Add(route);
            owner.Add(route);
            return route;
        }
    }

    internal void Unregister(ISubscriptionEntry subscription)
    {
        lock (_gate)
        {
            if (_subscriptions.Remove(subscription))
            {
                foreach (var route in _routes)
                {
                    route.OnUnsubscribed(subscription);
                }
            }
        }
    }

    /// <summary>Folds a finished subscription's counters into the bus totals.</summary>
    internal void Retire(ISubscriptionEntry subscription)
    {
        var statistics = subscription.GetStatistics();
        lock (_gate)
        {
            if (!subscription.IsRetired)
            {
                _retired = Add(_retired, statistics);
                subscription.IsRetired = true;
            }
        }
    }

    private Subscription<T> Subscribe<T>(HandlerInvoker<T> invoker, SubscriptionOptions? options)
    {
        ThrowIfClosed();
        options ??= s_defaultSubscriptionOptions;
        var sequence = Interlocked.Increment(ref _nextSequence);
        Subscription<T> subscription = options.Mode == DeliveryMode.Inline
            ? new InlineSubscription<T>(this, invoker, options, sequence)
            : new QueuedSubscription<T>(this, invoker, options, sequence);

        lock (_gate)
        {
            if (_state == Open)
            {
                _subscriptions.Add(subscription);
                foreach (var route in _routes)
                {
                    route.OnSubscribed(subscription);
                }

                return subscription;
            }
        }

        // The bus closed while the subscription was being built: stop its (empty) consumer loops.
        subscription.TryBeginStop();
        subscription.Halt(DropReason.Abandoned, waitForRunningHandlers: false);
        ThrowIfClosed();
        throw new UnreachableException();
    }

    private RouteSnapshot<T> BuildSnapshot<T>(Type runtimeType, string? topic)
    {
        var builder = new RouteSnapshot<T>.Builder(null);
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Matches(runtimeType, topic))
            {
                subscription.AddTo(builder);
            }
        }

        return builder.Build();
    }

    private Route<T> RouteOf<T>(T @event, string? topic)
    {
        var routes = GetTypeRoutes<T>();
        if (routes.IsExact)
        {
            return topic is null ? routes.Exact : routes.Get(typeof(T), topic);
        }

        var runtimeType = @event!.GetType();
        return topic is null && runtimeType == typeof(T) ? routes.Exact : routes.Get(runtimeType, topic);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TypeRoutes<T> GetTypeRoutes<T>()
    {
        var all = Volatile.Read(ref _typeRoutes);
        var index = TypeIndex<T>.Value;
        if ((uint)index < (uint)all.Length && all[index] is { } routes)
        {
            // Only TypeRoutes<T> is ever stored at T's index.
            return Unsafe.As<TypeRoutes<T>>(routes);
        }

        return CreateTypeRoutes<T>();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private TypeRoutes<T> CreateTypeRoutes<T>()
    {
        lock (_gate)
        {
            var index = TypeIndex<T>.Value;
            var all = _typeRoutes;
            if ((uint)index < (uint)all.Length && all[index] is TypeRoutes<T> existing)
            {
                return existing;
            }

            var exact = new Route<T>(this, typeof(T), null, BuildSnapshot<T>(typeof(T), null));
            _routes.Add(exact);
            var routes = new TypeRoutes<T>(this, exact);
            if (index >= all.Length)
            {
                Array.Resize(ref all, Math.Max(index + 1, all.Length * 2));
            }
            else
            {
                all = (object?[])all.Clone();
            }

            all[index] = routes;
            Volatile.Write(ref _typeRoutes, all);
            return routes;
        }
    }

    private async Task DrainAllAsync(TaskCompletionSource<DrainResult> owner, ISubscriptionEntry[] subscriptions, CancellationToken deadline)
    {
        var start = Environment.Time.GetTimestamp();
        long abandoned = 0;
        try
        {
            var drains = new List<Task<long>>(subscriptions.Length);
            foreach (var subscription in subscriptions)
            {
                if (subscription.TryBeginStop())
                {
                    drains.Add(subscription.DrainAsync(deadline));
                }
            }

            foreach (var left in await Task.WhenAll(drains).ConfigureAwait(false))
            {
                abandoned += left;
            }
        }
        catch (Exception ex)
        {
            owner.TrySetException(ex);
            return;
        }

        var result = BuildResult(subscriptions, abandoned, Environment.Time.GetElapsedTime(start));
        if (result.Completed)
        {
            Log.Drained(Environment.Logger, "EventBus", result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }
        else
        {
            Log.DrainDeadlineExceeded(Environment.Logger, "EventBus", result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }

        owner.TrySetResult(result);
    }

    private DrainResult BuildResult(ISubscriptionEntry[] subscriptions, long abandonedNow, TimeSpan elapsed)
    {
        SubscriptionStatistics total;
        lock (_gate)
        {
            total = _retired;
            foreach (var subscription in subscriptions)
            {
                if (!subscription.IsRetired)
                {
                    total = Add(total, subscription.GetStatistics());
                }
            }
        }

        var completed = abandonedNow == 0;
        return new DrainResult(completed, total.Delivered, total.DeadLettered, total.Dropped, total.Abandoned, elapsed);
    }

    /// <summary>The depth gauge's callback: one measurement per live queued subscription.</summary>
    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        ISubscriptionEntry[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
        }

        var measurements = new List<Measurement<long>>(subscriptions.Length);
        foreach (var subscription in subscriptions)
        {
            if (subscription.Mode == DeliveryMode.Queued)
            {
                measurements.Add(new Measurement<long>(subscription.PendingCount, new TagList
                {
                    { Conventions.System, Conventions.SystemValue },
                    { Conventions.DestinationName, subscription.Topic ?? subscription.EventType.Name },
                    { Conventions.SubscriptionName, subscription.Name },
                }));
            }
        }

        return measurements;
    }

    private static SubscriptionStatistics Add(SubscriptionStatistics a, SubscriptionStatistics b) => new(
        a.Delivered + b.Delivered,
        a.FailedAttempts + b.FailedAttempts,
        a.Retried + b.Retried,
        a.DeadLettered + b.DeadLettered,
        a.Dropped + b.Dropped,
        a.Abandoned + b.Abandoned);
}
