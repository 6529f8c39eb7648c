using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using EventBus.Consumers;
using EventBus.Delivery;
using EventBus.Diagnostics;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>The in-process implementation of <see cref="IEventBus"/>.</summary>
/// <remarks>
/// <para>Publish never locks: it finds its route through a per-type array index and reads the route's
/// immutable snapshot. Subscribe, unsubscribe and route creation take <see cref="_gate"/>, copy
/// and swap snapshots. No user code runs under the lock.</para>
/// <para><b>Routes come and go with topics.</b> A route for a topic exists only while some subscription
/// has that topic (or a typed publisher holds it): a publish on a topic nobody subscribes to goes
/// through its type's topicless route, whose targets are exactly the subscriptions without a topic, and
/// when the last subscription of a topic leaves, its routes are released. So one-off topics leave
/// nothing behind, and subscribing costs the same however many topics have come and gone.</para>
/// <para>Stopping is in <c>InProcessEventBus.Stopping.cs</c>.</para>
/// </remarks>
internal sealed partial class InProcessEventBus : IEventBus, ISubscriptionHost
{
    private static readonly SubscriptionOptions s_defaultSubscriptionOptions = new();

    private readonly Lock _gate = new();
    private readonly OrderedSet<ISubscriptionEntry> _subscriptions = new();
    private readonly List<IRoute> _routes = [];
    // Written under the lock, read without it: a publish on a topic no subscription has takes the fast way.
    private readonly ConcurrentDictionary<string, int> _topics = new(StringComparer.Ordinal);
    private object?[] _typeRoutes = new object?[16];
    private long _nextSequence;

    internal InProcessEventBus(EventBusOptions options)
    {
        Environment = DeliveryEnvironment.From(options, ObserveDepth, Conventions.SubscriptionName);
        DrainTimeout = options.DrainTimeout;
        Lifecycle = new ConsumerLifecycle(this);
    }

    public DeliveryEnvironment Environment { get; }

    internal TimeSpan DrainTimeout { get; }

    /// <summary>The drain timeout as a finite bound for safety waits (an infinite timeout waits a day).</summary>
    public TimeSpan DrainTimeoutOrDefault => DrainTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromDays(1) : DrainTimeout;

    public bool IsClosed => !Lifecycle.IsAccepting;

    /// <summary>How many routes the bus keeps (for tests: routes of topics that came and went must not pile up).</summary>
    internal int RouteCount
    {
        get
        {
            lock (_gate)
            {
                return _routes.Count;
            }
        }
    }

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
        var route = topic is null ? routes.Exact : CreateRoute(routes, typeof(TEvent), topic, pin: true);
        return new Publisher<TEvent>(this, route);
    }

    public void ThrowIfClosed()
    {
        if (IsClosed)
        {
            ThrowHelper.ThrowBusClosed(disposed: _disposed);
        }
    }

    public CancellationTokenSource CreateDrainDeadline() =>
        Environment.DrainDeadline(DrainTimeout);

    public void Unregister(ISubscriptionEntry subscription)
    {
        lock (_gate)
        {
            if (!_subscriptions.Remove(subscription))
            {
                return;
            }

            // Kept in the books (and in the bus's drains) until it has stopped; see Retire.
            _stopping.Add(subscription);
            foreach (var route in _routes)
            {
                route.OnUnsubscribed(subscription);
            }

            if (subscription.Topic is { } topic)
            {
                if (_topics[topic] == 1)
                {
                    _topics.TryRemove(topic, out _);
                    ReleaseRoutesOf(topic);
                }
                else
                {
                    _topics[topic]--;
                }
            }
        }
    }

    /// <summary>Finds (or creates, once) the route for an event's run-time type and a topic.</summary>
    internal Route<T> RouteOf<T>(T @event, string? topic, bool pin = false)
    {
        // typeof(T) is a helper call in code shared by reference types: compare with the exact route's type.
        var routes = GetTypeRoutes<T>();
        var exact = routes.Exact;
        var runtimeType = routes.IsExact ? exact.RuntimeType : @event!.GetType();
        if (topic is null && ReferenceEquals(runtimeType, exact.RuntimeType))
        {
            return exact;
        }

        if (routes.TryGet(runtimeType, topic, out var route) && (!pin || route.IsPinned))
        {
            return route;
        }

        if (topic is not null && !pin && !_topics.ContainsKey(topic) && routes.TryGet(runtimeType, null, out route))
        {
            // No subscription has this topic: exactly the topicless subscriptions match (see the remarks).
            return route;
        }

        return CreateRoute(routes, runtimeType, topic, pin);
    }

    /// <summary>Creates the route for a run-time type and topic, once, and fills it from the live
    /// subscriptions; for a topic no subscription has, returns the type's topicless route instead (unless
    /// <paramref name="pin"/>, when a publisher will hold the route).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Route<T> CreateRoute<T>(TypeRoutes<T> owner, Type runtimeType, string? topic, bool pin)
    {
        lock (_gate)
        {
            if (topic is not null && !pin && !_topics.ContainsKey(topic))
            {
                return RouteUnderLock(owner, runtimeType, topic: null, pin: false);
            }

            return RouteUnderLock(owner, runtimeType, topic, pin);
        }
    }

    private Route<T> RouteUnderLock<T>(TypeRoutes<T> owner, Type runtimeType, string? topic, bool pin)
    {
        if (!owner.TryGet(runtimeType, topic, out var route))
        {
            route = new Route<T>(this, runtimeType, topic, TargetsUnderLock<T>(runtimeType, topic), owner.Remove);
            _routes.Add(route);
            owner.Add(route);
        }

        if (pin)
        {
            route.Pin();
        }

        return route;
    }

    /// <summary>The last subscription of <paramref name="topic"/> has left: its routes go, unless a publisher holds one.</summary>
    private void ReleaseRoutesOf(string topic)
    {
        for (var i = _routes.Count - 1; i >= 0; i--)
        {
            var route = _routes[i];
            if (!route.IsPinned && string.Equals(route.Topic, topic, StringComparison.Ordinal))
            {
                _routes.RemoveAt(i);
                route.Release();
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
            if (Lifecycle.IsAccepting)
            {
                _subscriptions.Add(subscription);
                if (subscription.Topic is { } topic)
                {
                    _topics[topic] = _topics.GetValueOrDefault(topic) + 1;
                }

                foreach (var route in _routes)
                {
                    route.OnSubscribed(subscription);
                }

                return subscription;
            }
        }

        // The bus closed while the subscription was being built: it never received anything.
        subscription.Lifecycle.RequestHalt(DropReason.Abandoned);
        ThrowIfClosed();
        throw new UnreachableException();
    }

    /// <summary>A new route's targets, or null once the bus no longer accepts publishes (the route starts closed).</summary>
    private RouteSnapshot<T>.Builder? TargetsUnderLock<T>(Type runtimeType, string? topic)
    {
        if (IsClosed)
        {
            return null;
        }

        var builder = new RouteSnapshot<T>.Builder();
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Matches(runtimeType, topic))
            {
                subscription.AddTo(builder);
            }
        }

        return builder;
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

            var exact = new Route<T>(this, typeof(T), null, TargetsUnderLock<T>(typeof(T), null), release: null);
            exact.Pin();
            _routes.Add(exact);
            var routes = new TypeRoutes<T>(exact);
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
}
