using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace EventBus.Diagnostics;

/// <summary>The traces and metrics of one bus or work queue: the shared <see cref="ActivitySource"/> and a
/// <see cref="Meter"/> (the application's <see cref="IMeterFactory"/>'s, or our own, disposed with its owner).
/// Instruments are created up front, so hot paths only ask <see cref="Observed"/> and its siblings (field reads).</summary>
internal sealed class MessagingTelemetry : IDisposable
{
    internal static readonly string Version =
        typeof(MessagingTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    internal static readonly ActivitySource Source = new(EventBusDiagnostics.ActivitySourceName, Version);

    /// <summary>Duration buckets in seconds: an SDK's defaults are meant for milliseconds and would put every sample in
    /// the first bucket. The messaging conventions' 5 ms to 10 s, plus four below (100 µs to 2.5 ms) for in-process
    /// handlers that take less than a millisecond.</summary>
    private static readonly InstrumentAdvice<double> s_secondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    internal MessagingTelemetry(IMeterFactory? meterFactory, Func<IEnumerable<Measurement<long>>> observeDepth, string consumerTagKey, string? queueName)
    {
        ConsumerTagKey = consumerTagKey;
        QueueName = queueName;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory is null
            ? new Meter(EventBusDiagnostics.MeterName, Version)
            : meterFactory.Create(new MeterOptions(EventBusDiagnostics.MeterName) { Version = Version });

        Sent = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages published or enqueued.");
        Consumed = _meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages handed to a handler.");
        ProcessDuration = _meter.CreateHistogram("messaging.process.duration", "s", "Duration of one handler attempt.", tags: null, s_secondsAdvice);
        Lag = _meter.CreateHistogram("eventbus.consumer.lag", "s", "Time from publish to the start of the first handler attempt.", tags: null, s_secondsAdvice);
        Dropped = _meter.CreateCounter<long>("eventbus.messages.dropped", "{message}", "Messages not handled, by reason (full mode, rejection, unsubscription, abandonment).");
        Retried = _meter.CreateCounter<long>("eventbus.messages.retried", "{message}", "Retries scheduled after a failed handler attempt.");
        DeadLettered = _meter.CreateCounter<long>("eventbus.messages.dead_lettered", "{message}", "Messages sent to the dead-letter sink.");
        _meter.CreateObservableGauge("eventbus.queue.depth", observeDepth, "{message}", "Messages buffered and not yet handed to a handler, per subscription or queue.");
    }

    /// <summary>The tag that names a consumer: <see cref="Conventions.SubscriptionName"/> on a bus,
    /// <see cref="Conventions.ConsumerGroupName"/> on a work queue.</summary>
    internal string ConsumerTagKey { get; }

    /// <summary>A work queue's name (the destination of all its messages), or null for a bus.</summary>
    internal string? QueueName { get; }

    internal Counter<long> Sent { get; }

    internal Counter<long> Consumed { get; }

    internal Histogram<double> ProcessDuration { get; }

    internal Histogram<double> Lag { get; }

    internal Counter<long> Dropped { get; }

    internal Counter<long> Retried { get; }

    internal Counter<long> DeadLettered { get; }

    /// <summary>Whether a publish has anything to report: a span listener, or a publish-side instrument (the lag needs
    /// the publish timestamp, so it counts here too).</summary>
    internal bool PublishObserved => Source.HasListeners() || Sent.Enabled || Lag.Enabled;

    internal bool ProcessObserved => Source.HasListeners() || Consumed.Enabled || ProcessDuration.Enabled || Lag.Enabled;

    /// <summary>Whether a publish or a handler attempt has anything to report: the one check of the inline publish fast
    /// path. A tracker's sink (<see cref="Tracked"/>) counts too, since it needs every publish's context.</summary>
    internal bool Observed => Source.HasListeners() || Sent.Enabled || Consumed.Enabled || ProcessDuration.Enabled || Lag.Enabled || Tracked;

    /// <summary>True while a tracking sink is attached to the environment this telemetry belongs to.</summary>
    internal bool Tracked
    {
        get => Volatile.Read(ref field);
        set => Volatile.Write(ref field, value);
    }

    /// <summary>Starts the producer span of a publish or enqueue; null when nobody samples it.</summary>
    internal static Activity? StartPublish(string spanName, string destination)
    {
        var activity = Source.StartActivity(spanName, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Conventions.System, Conventions.SystemValue);
            activity.SetTag(Conventions.OperationName, Conventions.Publish);
            activity.SetTag(Conventions.OperationType, Conventions.Send);
            activity.SetTag(Conventions.DestinationName, destination);
        }

        return activity;
    }

    /// <summary>Runs one publish or enqueue someone listens to: inside its producer span (given to
    /// <paramref name="send"/>, which tags it), then counted as sent, or as failed with the span marked.</summary>
    internal async ValueTask SendObservedAsync<TState>(string spanName, string destination, TState state, Func<TState, Activity?, ValueTask> send)
    {
        using var activity = StartPublish(spanName, destination);
        try
        {
            await send(state, activity).ConfigureAwait(false);
            RecordSent(destination, error: null);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag(Conventions.ErrorType, ex.GetType().FullName);
            RecordSent(destination, ex);
            throw;
        }
    }

    /// <summary>Tags a producer or consumer span with the message's id and correlation (conversation) id.</summary>
    internal static void TagMessage(Activity activity, EventContext context)
    {
        activity.SetTag(Conventions.MessageId, context.Id.ToString());
        if (context.CorrelationId is { } correlationId)
        {
            activity.SetTag(Conventions.ConversationId, correlationId);
        }
    }

    /// <summary>Counts a message sent, or one whose publish failed (tagged with its error type).</summary>
    internal void RecordSent(string destination, Exception? error)
    {
        if (!Sent.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { Conventions.System, Conventions.SystemValue },
            { Conventions.OperationName, Conventions.Publish },
            { Conventions.DestinationName, destination },
        };
        if (error is not null)
        {
            tags.Add(Conventions.ErrorType, error.GetType().FullName);
        }

        Sent.Add(1, tags);
    }

    internal void RecordDropped(string source, string destination, DropReason reason)
    {
        if (Dropped.Enabled)
        {
            Dropped.Add(1, Tags(source, destination, Conventions.DropReason, reason.ToString()));
        }
    }

    internal void RecordRetried(string source, string destination)
    {
        if (Retried.Enabled)
        {
            Retried.Add(1, Tags(source, destination));
        }
    }

    internal void RecordDeadLettered(string source, string destination)
    {
        if (DeadLettered.Enabled)
        {
            DeadLettered.Add(1, Tags(source, destination));
        }
    }

    /// <summary>The low-cardinality destination of a message: the queue's name, else its topic, else its type's name.</summary>
    internal string DestinationOf(Type messageType, EventContext? context) => QueueName ?? context?.Topic ?? messageType.Name;

    /// <summary>The tags of a consumer-side measurement: system, destination and the consumer's name.</summary>
    internal TagList Tags(string source, string destination, string? extraKey = null, string? extraValue = null)
    {
        var tags = new TagList
        {
            { Conventions.System, Conventions.SystemValue },
            { Conventions.DestinationName, destination },
            { ConsumerTagKey, source },
        };
        if (extraKey is not null)
        {
            tags.Add(extraKey, extraValue);
        }

        return tags;
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
