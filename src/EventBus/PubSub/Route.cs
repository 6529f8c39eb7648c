using System.Diagnostics;
using EventBus.Diagnostics;

namespace EventBus.PubSub;

/// <summary>
/// Where events of one run-time type, published on one topic (or none), go. Holds the current
/// <see cref="RouteSnapshot{T}"/> and runs the publish loop over it.
/// </summary>
/// <typeparam name="T">The static type events are published as.</typeparam>
internal sealed class Route<T> : IRoute
{
    private readonly InProcessEventBus _bus;
    private RouteSnapshot<T> _snapshot;

    internal Route(InProcessEventBus bus, Type runtimeType, string? topic, RouteSnapshot<T> snapshot)
    {
        _bus = bus;
        RuntimeType = runtimeType;
        Topic = topic;
        _snapshot = snapshot;
    }

    internal Type RuntimeType { get; }

    internal string? Topic { get; }

    internal RouteSnapshot<T> Snapshot => Volatile.Read(ref _snapshot);

    void IRoute.OnSubscribed(ISubscriptionEntry entry)
    {
        if (entry.Matches(RuntimeType, Topic))
        {
            Volatile.Write(ref _snapshot, _snapshot.With(entry));
        }
    }

    void IRoute.OnUnsubscribed(ISubscriptionEntry entry) => Volatile.Write(ref _snapshot, _snapshot.Without(entry));

    /// <summary>The span name of a publish on this route, built once.</summary>
    private string PublishSpanName => field ??= $"{Conventions.Publish} {Destination}";

    /// <summary>The low-cardinality destination: the topic, else the event type's name.</summary>
    private string Destination => Topic ?? RuntimeType.Name;

    /// <summary>Delivers one event to every target of the current snapshot.</summary>
    /// <param name="event">The event (not null).</param>
    /// <param name="options">The publisher's options, or null.</param>
    /// <param name="noWait">True for a synchronous publish: never wait; the returned task is then always complete.</param>
    /// <param name="cancellationToken">Cancels a wait for space.</param>
    internal ValueTask PublishAsync(T @event, PublishOptions? options, bool noWait, CancellationToken cancellationToken)
    {
        _bus.ThrowIfClosed();
        var snapshot = Volatile.Read(ref _snapshot);
        if (_bus.Environment.Telemetry.PublishObserved)
        {
            return PublishObservedAsync(snapshot, @event, options, noWait, cancellationToken);
        }

        var context = snapshot.NeedsContext ? _bus.Environment.CreateContext(RuntimeType, Topic, options) : null;
        return Deliver(snapshot, @event, context, noWait, cancellationToken);
    }

    /// <summary>A publish someone listens to: inside a producer span, with a context that carries it, counted.</summary>
    private async ValueTask PublishObservedAsync(
        RouteSnapshot<T> snapshot, T @event, PublishOptions? options, bool noWait, CancellationToken cancellationToken)
    {
        using var activity = MessagingTelemetry.StartPublish(PublishSpanName, Destination);
        var context = _bus.Environment.CreateContext(RuntimeType, Topic, options, activity);
        activity?.SetTag(Conventions.MessageId, context.Id.ToString());
        try
        {
            await Deliver(snapshot, @event, context, noWait, cancellationToken).ConfigureAwait(false);
            _bus.Environment.Telemetry.RecordSent(Destination, error: null);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag(Conventions.ErrorType, ex.GetType().FullName);
            _bus.Environment.Telemetry.RecordSent(Destination, ex);
            throw;
        }
    }

    private static ValueTask Deliver(RouteSnapshot<T> snapshot, T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        // Inline handlers first, so they run on the publisher's thread before any wait for space.
        var inline = snapshot.Inline;
        for (var i = 0; i < inline.Length; i++)
        {
            inline[i].InvokeInline(@event, context);
        }

        var targets = snapshot.Targets;
        List<string>? refused = null;
        for (var i = 0; i < targets.Length; i++)
        {
            var delivery = targets[i].DeliverAsync(@event, context, noWait, cancellationToken);
            if (!delivery.IsCompletedSuccessfully)
            {
                Debug.Assert(!noWait || delivery.IsCompleted, "A publish that may not wait never gets a pending delivery.");
                return ContinueAsync(delivery, targets, i, @event, context, noWait, refused, cancellationToken);
            }

            if (!delivery.Result)
            {
                (refused ??= []).Add(targets[i].Entry.Name);
            }
        }

        if (refused is not null)
        {
            throw new EventBusFullException(refused);
        }

        return default;
    }

    /// <summary>The slow path: a target made the publisher wait; finish the remaining targets in order.</summary>
    private static async ValueTask ContinueAsync(
        ValueTask<bool> pending,
        Target<T>[] targets,
        int index,
        T @event,
        EventContext? context,
        bool noWait,
        List<string>? refused,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await pending.ConfigureAwait(false))
            {
                (refused ??= []).Add(targets[index].Entry.Name);
            }

            if (++index >= targets.Length)
            {
                break;
            }

            pending = targets[index].DeliverAsync(@event, context, noWait, cancellationToken);
        }

        if (refused is not null)
        {
            throw new EventBusFullException(refused);
        }
    }

    /// <summary>Publishes without ever waiting; throws what the publish found.</summary>
    internal void Publish(T @event, PublishOptions? options)
    {
        var publish = PublishAsync(@event, options, noWait: true, CancellationToken.None);
        Debug.Assert(publish.IsCompleted, "A publish that may not wait completes synchronously.");
        publish.GetAwaiter().GetResult();
    }
}
