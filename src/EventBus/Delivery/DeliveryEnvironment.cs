using System.Diagnostics;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBus.Delivery;

/// <summary>The services every consumer shares: clock, logger, dead-letter sink and the user's callbacks. Drops, errors
/// and dead letters are reported through here, the same way for subscriptions and work queues, and no user callback
/// ever runs under one of our locks.</summary>
internal sealed class DeliveryEnvironment
{
    private readonly Action<DroppedEvent>? _onDropped;
    private readonly Action<DeliveryError>? _onError;
    private readonly bool _linkProcessSpans;

    private DeliveryEnvironment(EventBusOptions options, MessagingTelemetry telemetry)
    {
        Time = options.TimeProvider;
        Telemetry = telemetry;
        _linkProcessSpans = options.LinkProcessSpans;
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger(Log.CategoryName);
        DeadLetterSink = options.DeadLetterSink;
        _onDropped = options.OnDropped;
        _onError = options.OnError;
    }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal IDeadLetterSink DeadLetterSink { get; }

    internal MessagingTelemetry Telemetry { get; }

    /// <summary>The attached tracker of the EventBus.Testing package, if any: while set, every publish and enqueue
    /// creates a context that tells it how each consumer finished.</summary>
    internal ITrackingSink? Tracking
    {
        get => Volatile.Read(ref field);
        set
        {
            Volatile.Write(ref field, value);
            Telemetry.Tracked = value is not null;
        }
    }

    /// <summary>Builds the environment of a bus (<paramref name="queueName"/> null) or of a work queue;
    /// <paramref name="observeDepth"/> reports the owner's consumers' depths for the depth gauge.</summary>
    internal static DeliveryEnvironment From(
        EventBusOptions options,
        Func<IEnumerable<System.Diagnostics.Metrics.Measurement<long>>> observeDepth,
        string consumerTagKey,
        string? queueName = null) =>
        new(options, new MessagingTelemetry(options.MeterFactory, observeDepth, consumerTagKey, queueName));

    internal ConsumerTelemetry ForConsumer(string consumerName) => new(Telemetry, Time, consumerName, _linkProcessSpans);

    /// <summary>Creates the context of one publish or enqueue of <paramref name="message"/> (<paramref name="queue"/>
    /// names the work queue of an enqueue), carrying <paramref name="publish"/>'s trace context when there is one and
    /// the id of the item whose handler is publishing.</summary>
    internal EventContext CreatePublishContext(
        object? message, Type eventType, string? topic, PublishOptions? options, Activity? publish, string? queue = null)
    {
        var now = Time.GetUtcNow();
        var tracking = Tracking;
        var tracker = options?.OnSettled is not null || tracking is not null
            ? new PubSub.PublishTracker(options?.OnSettled, this, tracking)
            : null;
        var context = new EventContext(options?.Id ?? EventContext.NewId(now), options?.Timestamp ?? now, eventType)
        {
            Topic = topic,
            CorrelationId = options?.CorrelationId,
            CausationId = options?.CausationId ?? Internal.HandlerScope.HandledId,
            Headers = options?.Headers!,
            TraceContext = (publish ?? Activity.Current)?.Context ?? default,
            Tracker = tracker,
        };
        tracker?.Context = context;
        if (publish is not null)
        {
            MessagingTelemetry.TagMessage(publish, context);
        }

        tracking?.Published(context, message, queue);
        return context;
    }

    /// <summary>The deadline of a <c>DisposeAsync</c>: fires after <paramref name="drainTimeout"/> on this environment's
    /// clock, or never for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    internal CancellationTokenSource DrainDeadline(TimeSpan drainTimeout) =>
        drainTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(drainTimeout, Time);

    /// <summary>Creates a context for an event that travelled without one and now needs it (a dead letter).</summary>
    internal EventContext CreateContext(Type eventType)
    {
        var now = Time.GetUtcNow();
        return new EventContext(EventContext.NewId(now), now, eventType) { TraceContext = Activity.Current?.Context ?? default };
    }

    /// <summary>Reports an event that was not handled; the caller has counted it.</summary>
    internal void ReportDropped<T>(T item, EventContext? context, string source, DropReason reason)
    {
        var type = item?.GetType() ?? typeof(T);
        Telemetry.RecordDropped(source, Telemetry.DestinationOf(type, context), reason);
        if (reason is DropReason.Abandoned or DropReason.Unsubscribed or DropReason.Rejected or DropReason.HandlerFailed)
        {
            Log.EventLost(Logger, source, type.Name, context?.Id, reason);
        }
        else
        {
            Log.EventDropped(Logger, source, type.Name, context?.Id, reason);
        }

        if (_onDropped is not { } callback)
        {
            return;
        }

        try
        {
            callback(new DroppedEvent(item, type, context, source, reason));
        }
        catch (Exception ex)
        {
            Log.CallbackFailed(Logger, ex, nameof(EventBusOptions.OnDropped), source);
            ReportError(new DeliveryError(DeliveryErrorKind.CallbackFailed, ex, source, typeof(T), context, 0, false));
        }
    }

    internal void ReportError(DeliveryError error)
    {
        if (_onError is not { } callback)
        {
            return;
        }

        try
        {
            callback(error);
        }
        catch (Exception ex)
        {
            // Reporting an error about the error callback through itself could loop; the log is the end of the line.
            Log.CallbackFailed(Logger, ex, nameof(EventBusOptions.OnError), error.Source);
        }
    }
}
