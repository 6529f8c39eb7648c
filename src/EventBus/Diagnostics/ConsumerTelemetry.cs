using System.Diagnostics;
using EventBus.Delivery;

namespace EventBus.Diagnostics;

/// <summary>Wraps handler attempts of one consumer in a <c>process {destination}</c> span and records consumed
/// messages, process duration and lag. Used only when <see cref="IsObserved"/>.</summary>
internal sealed class ConsumerTelemetry(MessagingTelemetry telemetry, TimeProvider time, string consumerName, bool linkToPublisher)
{
    internal bool IsObserved => telemetry.ProcessObserved;

    /// <summary>Calls the handler once inside a consumer span, measuring it; rethrows what the handler throws.
    /// <paramref name="batchSize"/> is the size of a batch attempt, 0 for a single message.</summary>
    internal async ValueTask InvokeAsync<T>(
        HandlerInvoker<T> handler, T item, EventContext? context, int attempt, int batchSize, CancellationToken cancellationToken)
    {
        var destination = telemetry.DestinationOf(item?.GetType() ?? typeof(T), context);
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

                // The conventions' 'exception' event formats the stack trace: only for a span that records data.
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
            telemetry.Consumed.Add(messages, ProcessTags(destination));
        }

        if (context is not null && telemetry.Lag.Enabled)
        {
            var lag = time.GetUtcNow() - context.Timestamp;
            telemetry.Lag.Record(Math.Max(0, lag.TotalSeconds), telemetry.Tags(consumerName, destination));
        }
    }

    private void RecordDuration(string destination, TimeSpan elapsed, Exception? failure)
    {
        if (!telemetry.ProcessDuration.Enabled)
        {
            return;
        }

        var tags = ProcessTags(destination);
        if (failure is not null)
        {
            tags.Add(Conventions.ErrorType, failure.GetType().FullName);
        }

        telemetry.ProcessDuration.Record(elapsed.TotalSeconds, tags);
    }

    private TagList ProcessTags(string destination) => new()
    {
        { Conventions.System, Conventions.SystemValue },
        { Conventions.OperationName, Conventions.Process },
        { Conventions.DestinationName, destination },
        { telemetry.ConsumerTagKey, consumerName },
    };

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
