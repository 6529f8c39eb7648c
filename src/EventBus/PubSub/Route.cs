using System.Diagnostics;
using System.Runtime.CompilerServices;
using EventBus.Diagnostics;

namespace EventBus.PubSub;

/// <summary>
/// Where events of one run-time type, published on one topic (or none), go. Holds the current
/// <see cref="RouteSnapshot{T}"/> and runs the publish loop over it.
/// </summary>
/// <typeparam name="T">The static type events are published as.</typeparam>
internal sealed partial class Route<T> : IRoute
{
    private readonly ISubscriptionHost _host;
    private readonly MessagingTelemetry _telemetry;
    private readonly Action<Route<T>>? _release;
    private readonly RouteSnapshot<T>.Builder _targets;
    private RouteSnapshot<T> _snapshot;
    private volatile bool _pinned;

    /// <summary>A route over <paramref name="targets"/> (the matching live subscriptions; null when the bus no longer
    /// accepts publishes, and the route starts closed).</summary>
    internal Route(ISubscriptionHost host, Type runtimeType, string? topic, RouteSnapshot<T>.Builder? targets, Action<Route<T>>? release)
    {
        _host = host;
        _telemetry = host.Environment.Telemetry;
        RuntimeType = runtimeType;
        Topic = topic;
        _targets = targets ?? new();
        _snapshot = targets is null ? RouteSnapshot<T>.Closed : targets.Build();
        _release = release;
    }

    public Type RuntimeType { get; }

    public string? Topic { get; }

    /// <summary>True once a typed publisher holds this route: it is never released.</summary>
    public bool IsPinned => _pinned;

    internal RouteSnapshot<T> Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Keeps the route for good: a typed publisher holds it.</summary>
    internal void Pin() => _pinned = true;

    void IRoute.Release() => _release?.Invoke(this);

    void IRoute.OnSubscribed(ISubscriptionEntry entry)
    {
        if (entry.Matches(RuntimeType, Topic) && !_snapshot.IsClosed)
        {
            entry.AddTo(_targets);
            Volatile.Write(ref _snapshot, _targets.Build());
        }
    }

    void IRoute.OnUnsubscribed(ISubscriptionEntry entry)
    {
        if (!_snapshot.IsClosed && _targets.Remove(entry))
        {
            Volatile.Write(ref _snapshot, _targets.Build());
        }
    }

    void IRoute.Close() => Volatile.Write(ref _snapshot, RouteSnapshot<T>.Closed);

    /// <summary>The span name of a publish on this route, built once.</summary>
    private string PublishSpanName => field ??= $"{Conventions.Publish} {Destination}";

    /// <summary>The low-cardinality destination: the topic, else the event type's name.</summary>
    private string Destination => Topic ?? RuntimeType.Name;

    /// <summary>Delivers one event to every target of the current snapshot.</summary>
    /// <returns>A task that faults (rather than throwing) with what the publish found: the bus closed, a
    /// refusal, a cancelled wait; as <c>ChannelWriter.WriteAsync</c> does.</returns>
    internal ValueTask PublishAsync(T @event, PublishOptions? options, bool noWait, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = Volatile.Read(ref _snapshot);
            if (snapshot.InlineOnly && (options is null || !options.CarriesContext) && !_telemetry.Observed)
            {
                return DeliverInline(snapshot, @event, noWait, cancellationToken);
            }

            if (snapshot.IsClosed)
            {
                _host.ThrowIfClosed();
            }

            return PublishSlowAsync(snapshot, @event, options, noWait, cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>Publishes without ever waiting; throws what the publish found.</summary>
    internal void Publish(T @event, PublishOptions? options)
    {
        // An inline-only snapshot is never the closed one: the fast path needs no closed check of its own.
        var snapshot = Volatile.Read(ref _snapshot);
        ValueTask publish;
        if (snapshot.InlineOnly && (options is null || !options.CarriesContext) && !_telemetry.Observed)
        {
            publish = DeliverInline(snapshot, @event, noWait: true, CancellationToken.None);
        }
        else
        {
            if (snapshot.IsClosed)
            {
                _host.ThrowIfClosed();
            }

            publish = PublishSlowAsync(snapshot, @event, options, noWait: true, CancellationToken.None);
        }

        if (!publish.IsCompletedSuccessfully)
        {
            ThrowWhatItFound(publish);
        }
    }

    /// <summary>A synchronous publish found something to report (a refusal): a publish that may not wait has completed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowWhatItFound(ValueTask publish)
    {
        Debug.Assert(publish.IsCompleted, "A publish that may not wait completes synchronously.");
        publish.AsTask().GetAwaiter().GetResult();
    }

    private ValueTask PublishSlowAsync(RouteSnapshot<T> snapshot, T @event, PublishOptions? options, bool noWait, CancellationToken cancellationToken)
    {
        if (_telemetry.PublishObserved)
        {
            return PublishObservedAsync(snapshot, @event, options, noWait, cancellationToken);
        }

        var environment = _host.Environment;
        var context = snapshot.NeedsContext || options?.CarriesContext == true || environment.Tracking is not null
            ? environment.CreatePublishContext(@event, RuntimeType, options?.Topic ?? Topic, options, publish: null)
            : null;
        return Deliver(snapshot, @event, context, noWait, cancellationToken);
    }

    /// <summary>A publish someone listens to: inside a producer span, with a context that carries it, counted.</summary>
    private ValueTask PublishObservedAsync(
        RouteSnapshot<T> snapshot, T @event, PublishOptions? options, bool noWait, CancellationToken cancellationToken)
    {
        // A publish on a topic nobody subscribes to uses its type's topicless route (see the bus): name the
        // span after the topic the publisher gave.
        var topic = options?.Topic ?? Topic;
        var destination = topic ?? RuntimeType.Name;
        return _telemetry.SendObservedAsync(
            ReferenceEquals(topic, Topic) ? PublishSpanName : $"{Conventions.Publish} {destination}",
            destination,
            (Route: this, Snapshot: snapshot, Event: @event, Options: options, Topic: topic, NoWait: noWait, Token: cancellationToken),
            static (state, activity) => Deliver(
                state.Snapshot,
                state.Event,
                state.Route._host.Environment.CreatePublishContext(state.Event, state.Route.RuntimeType, state.Topic, state.Options, activity),
                state.NoWait,
                state.Token));
    }

    private static ValueTask Deliver(RouteSnapshot<T> snapshot, T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        if (context?.Tracker is { } tracker)
        {
            return DeliverTracked(snapshot.Compacted(), @event, context, tracker, noWait, cancellationToken);
        }

        // Inline subscriptions come first, so their handlers run on the publisher's thread before any wait
        // for space.
        List<string>? refused = null;
        for (var i = 0; i < snapshot.Count; i++)
        {
            var target = snapshot.At(i);
            if (target is null || target.TryDeliver(@event, context))
            {
                continue;
            }

            var delivery = target.DeliverAsync(@event, context, noWait, cancellationToken);
            if (!delivery.IsCompletedSuccessfully)
            {
                Debug.Assert(!noWait || delivery.IsCompleted, "A publish that may not wait never gets a pending delivery.");
                return ContinueAsync(delivery, target, snapshot, i, @event, context, noWait, refused, cancellationToken);
            }

            if (!delivery.Result)
            {
                (refused ??= []).Add(target.Entry.Name);
            }
        }

        if (refused is not null)
        {
            throw new EventBusFullException(refused);
        }

        return default;
    }

    /// <summary>The slow path: a target (<paramref name="current"/>, in slot <paramref name="index"/>) made the
    /// publisher wait; finish the remaining targets in order. With a <paramref name="tracker"/> (and a snapshot
    /// without null slots), a delivery that throws settles itself and the targets after it as never reached,
    /// and the publisher's hold is released at the end. Pooled: under sustained backpressure every publish
    /// that waits for room takes it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask ContinueAsync(
        ValueTask<bool> pending,
        Target<T> current,
        RouteSnapshot<T> snapshot,
        int index,
        T @event,
        EventContext? context,
        bool noWait,
        List<string>? refused,
        CancellationToken cancellationToken,
        PublishTracker? tracker = null)
    {
        try
        {
            while (true)
            {
                if (!await pending.ConfigureAwait(false))
                {
                    (refused ??= []).Add(current.Entry.Name);
                }

                Target<T>? next = null;
                while (next is null && ++index < snapshot.Count)
                {
                    next = snapshot.At(index);
                }

                if (next is null)
                {
                    break;
                }

                current = next;
                pending = current.DeliverAsync(@event, context, noWait, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            if (tracker is not null)
            {
                tracker.Release(notReached: snapshot.Count - index);
            }

            if (refused is null)
            {
                throw;
            }

            // A subscription refused the event before this (a cancelled wait, say) stopped the publish:
            // the refusal is what the publisher must hear.
            throw new EventBusFullException(refused, ex);
        }

        tracker?.Release();
        if (refused is not null)
        {
            throw new EventBusFullException(refused);
        }
    }

    /// <summary>
    /// A publish whose publisher waits for the settlement (<see cref="PublishOptions.OnSettled"/>): the
    /// same delivery, one target at a time, so that a target the publish never reached (cancelled, or
    /// the bus closed meanwhile) is settled here, while every target that received the event settles
    /// itself when it is done with it. <paramref name="targets"/> is a private copy without null slots,
    /// so the count expected up front is the count offered.
    /// </summary>
    private static ValueTask DeliverTracked(
        RouteSnapshot<T> targets, T @event, EventContext context, PublishTracker tracker, bool noWait, CancellationToken cancellationToken)
    {
        tracker.Expect(targets.Count);
        var index = 0;
        List<string>? refused = null;
        try
        {
            for (; index < targets.Count; index++)
            {
                var target = targets.At(index)!;
                var delivery = target.DeliverAsync(@event, context, noWait, cancellationToken);
                if (!delivery.IsCompletedSuccessfully)
                {
                    return ContinueAsync(delivery, target, targets, index, @event, context, noWait, refused, cancellationToken, tracker);
                }

                if (!delivery.Result)
                {
                    (refused ??= []).Add(target.Entry.Name);
                }
            }
        }
        catch (Exception)
        {
            // A delivery that throws (cancelled wait, bus closed) did not take the event; nor did the
            // targets after it.
            tracker.Release(notReached: targets.Count - index);
            throw;
        }

        tracker.Release();
        return refused is null ? default : throw new EventBusFullException(refused);
    }
}
