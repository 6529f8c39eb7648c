using System.Diagnostics;
using EventBus.Delivery;

namespace EventBus.Diagnostics;

/// <summary>
/// Wraps handler attempts of one consumer (a subscription or a work queue) in a
/// <c>process {destination}</c> span, and records consumed messages, process duration and lag.
/// Used only when <see cref="MessagingTelemetry.ProcessObserved"/>: the plain path calls the handler directly.
/// </summary>
internal sealed class ConsumerTelemetry(MessagingTelemetry telemetry, TimeProvider time, string consumerName, bool linkToPublisher)
{
    internal bool IsObserved => telemetry.ProcessObserved;

    internal MessagingTelemetry Telemetry => telemetry;

    /// <summary>Calls the handler once, inside a consumer span, measuring it. Rethrows what the handler throws.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="item">The message.</param>
    /// <param name="context">Its context, carrying the publisher's trace context and timestamp.</param>
    /// <param name="attempt">The attempt number (1 for the first).</param>
    /// <param name="batchSize">The number of messages in a batch attempt, or 0 for a single message.</param>
    /// <param name="cancellationToken">The handler's token.</param>
    internal async ValueTask InvokeAsync<T>(
        HandlerInvoker<T> handler, T item, EventContext? context, int attempt, int batchSize, CancellationToken cancellationToken)
    {
        var messageType = item?.GetType() ?? typeof(T);
        var destination = telemetry.DestinationOf(messageType, context);
        if (attempt == 1)
        {
            RecordConsumed(destination, context, Math.Max(1, batchSize));
        }

        using var activity = StartProcess(destination, context, attempt, batchSize);
        var start = time.GetTimestamp();
        Exception? failure = null;
        try
        {
            await handler.InvokeAsync(item, context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
            if (activity is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, ex.Message);
                activity.SetTag(Conventions.ErrorType, ex.GetType().FullName);

                // The conventions' 'exception' event: exception.type, exception.message, exception.stacktrace
                // (the trace is formatted, so only for a span that records its data).
                if (activity.IsAllDataRequested)
                {
                    activity.AddException(ex);
                }
            }

            throw;
        }
        finally
        {
            RecordDuration(destination, time.GetElapsedTime(start), failure);
        }
    }

    private void RecordConsumed(string destination, EventContext? context, int messages)
    {
        if (telemetry.Consumed.Enabled)
        {
            telemetry.Consumed.Add(messages, new TagList
            {
                { Conventions.System, Conventions.SystemValue },
                { Conventions.OperationName, Conventions.Process },
                { Conventions.DestinationName, destination },
                { telemetry.ConsumerTagKey, consumerName },
            });
        }

        if (context is not null && telemetry.Lag.Enabled)
        {
            var lag = time.GetUtcNow() - context.Timestamp;
            telemetry.Lag.Record(Math.Max(0, lag.TotalSeconds), new TagList
            {
                { Conventions.System, Conventions.SystemValue },
                { Conventions.DestinationName, destination },
                { telemetry.ConsumerTagKey, consumerName },
            });
        }
    }

    private void RecordDuration(string destination, TimeSpan elapsed, Exception? failure)
    {
        if (!telemetry.ProcessDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { Conventions.System, Conventions.SystemValue },
            { Conventions.OperationName, Conventions.Process },
            { Conventions.DestinationName, destination },
            { telemetry.ConsumerTagKey, consumerName },
        };
        if (failure is not null)
        {
            tags.Add(Conventions.ErrorType, failure.GetType().FullName);
        }

        telemetry.ProcessDuration.Record(elapsed.TotalSeconds, tags);
    }

    private Activity? StartProcess(string destination, EventContext? context, int attempt, int batchSize)
    {
        if (!MessagingTelemetry.Source.HasListeners())
        {
            return null;
        }

        var publisher = context?.TraceContext ?? default;
        var hasPublisher = publisher != default;
        var name = $"{Conventions.Process} {destination}";
        var activity = hasPublisher && !linkToPublisher
            ? MessagingTelemetry.Source.StartActivity(name, ActivityKind.Consumer, publisher)
            : MessagingTelemetry.Source.StartActivity(
                ActivityKind.Consumer, parentContext: default, links: hasPublisher ? [new ActivityLink(publisher)] : null, name: name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Conventions.System, Conventions.SystemValue);
            activity.SetTag(Conventions.OperationName, Conventions.Process);
            activity.SetTag(Conventions.OperationType, Conventions.Process);
            activity.SetTag(Conventions.DestinationName, destination);
            activity.SetTag(telemetry.ConsumerTagKey, consumerName);
            activity.SetTag(Conventions.DeliveryAttempt, attempt);
            if (context is not null)
            {
                MessagingTelemetry.TagMessage(activity, context);
            }

            if (batchSize > 0)
            {
                activity.SetTag(Conventions.BatchMessageCount, batchSize);
            }
        }

        return activity;
    }
}
