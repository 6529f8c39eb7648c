using System.Diagnostics;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBus.Delivery;

/// <summary>
/// The services every consumer shares: clock, logger, dead-letter sink and the user's callbacks.
/// Reporting goes through here so that a drop, an error or a dead letter is handled the same way
/// by subscriptions and work queues, and no user callback ever runs under one of our locks.
/// </summary>
internal sealed class DeliveryEnvironment
{
    private readonly Action<DroppedEvent>? _onDropped;
    private readonly Action<DeliveryError>? _onError;

    internal DeliveryEnvironment(
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory,
        IDeadLetterSink deadLetterSink,
        Action<DroppedEvent>? onDropped,
        Action<DeliveryError>? onError,
        MessagingTelemetry telemetry,
        bool linkProcessSpans)
    {
        Time = timeProvider;
        Telemetry = telemetry;
        LinkProcessSpans = linkProcessSpans;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(Log.CategoryName);
        DeadLetterSink = deadLetterSink;
        _onDropped = onDropped;
        _onError = onError;
    }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal IDeadLetterSink DeadLetterSink { get; }

    internal MessagingTelemetry Telemetry { get; }

    internal bool LinkProcessSpans { get; }

    /// <summary>Builds the environment of a bus (or queue) from its options.</summary>
    /// <param name="options">The options.</param>
    /// <param name="observeDepth">Reports the owner's consumers' depths, for the depth gauge.</param>
    /// <param name="consumerTagKey">How consumers are named in telemetry tags.</param>
    /// <param name="queueName">The work queue's name, or null for a bus.</param>
    internal static DeliveryEnvironment From(
        EventBusOptions options,
        Func<IEnumerable<System.Diagnostics.Metrics.Measurement<long>>> observeDepth,
        string consumerTagKey,
        string? queueName = null) => new(
        options.TimeProvider,
        options.LoggerFactory,
        options.DeadLetterSink,
        options.OnDropped,
        options.OnError,
        new MessagingTelemetry(options.MeterFactory, observeDepth, consumerTagKey, queueName),
        options.LinkProcessSpans);

    /// <summary>Creates the telemetry wrapper for one consumer's handler attempts.</summary>
    internal ConsumerTelemetry ForConsumer(string consumerName) => new(Telemetry, Time, consumerName, LinkProcessSpans);

    /// <summary>Creates the context of one publish, carrying <paramref name="publish"/>'s trace context when there is one.</summary>
    internal EventContext CreateContext(Type eventType, string? topic, PublishOptions? options, Activity? publish)
    {
        var now = Time.GetUtcNow();
        var tracker = options?.OnSettled is { } onSettled ? new PubSub.PublishTracker(onSettled, this) : null;
        var context = new EventContext(EventContext.NewId(now), now, eventType)
        {
            Topic = topic,
            CorrelationId = options?.CorrelationId,
            Headers = options?.Headers!,
            TraceContext = (publish ?? Activity.Current)?.Context ?? default,
            Tracker = tracker,
        };
        tracker?.Context = context;
        return context;
    }

    /// <summary>Creates the context of one publish.</summary>
    internal EventContext CreateContext(Type eventType, string? topic, PublishOptions? options) =>
        CreateContext(eventType, topic, options, publish: null);

    /// <summary>Reports an event that was not handled. The caller has already counted it.</summary>
    internal void ReportDropped<T>(T item, EventContext? context, string source, DropReason reason)
    {
        var typeName = item?.GetType().Name ?? typeof(T).Name;
        Telemetry.RecordDropped(source, Telemetry.QueueName ?? context?.Topic ?? typeName, reason);
        if (reason is DropReason.Abandoned or DropReason.Unsubscribed or DropReason.Rejected or DropReason.HandlerFailed)
        {
            Log.EventLost(Logger, source, typeName, context?.Id, reason);
        }
        else
        {
            Log.EventDropped(Logger, source, typeName, context?.Id, reason);
        }

        var callback = _onDropped;
        if (callback is null)
        {
            return;
        }

        try
        {
            callback(new DroppedEvent(item, item?.GetType() ?? typeof(T), context, source, reason));
        }
        catch (Exception ex)
        {
            Log.CallbackFailed(Logger, ex, nameof(EventBusOptions.OnDropped), source);
            ReportError(new DeliveryError(DeliveryErrorKind.CallbackFailed, ex, source, typeof(T), context, 0, false));
        }
    }

    /// <summary>Reports a failure to the user's error callback, if any.</summary>
    internal void ReportError(DeliveryError error)
    {
        var callback = _onError;
        if (callback is null)
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
