using EventBus.Consumers;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.WorkQueues;

/// <summary>
/// What a work-queue face (in memory or durable) reports from its engine: the counters of
/// <c>GetStatistics</c>, and the answer to <c>CompleteAsync</c>. Every caller outside the queue's handlers
/// shares one drain result, built and logged once when the engine has stopped; a caller inside a handler
/// gets the counts at the moment nothing is left that another worker could finish.
/// </summary>
internal sealed class QueueReport<T>(Consumer<T> consumer, string name, ILogger logger, Func<T[]> abandoned)
{
    private readonly Lock _gate = new();
    private Task<WorkQueueDrainResult<T>>? _result;

    /// <summary>The queue's counters now.</summary>
    internal WorkQueueStatistics Statistics() => new(
        Processed: consumer.Delivered,
        FailedAttempts: consumer.FailedAttempts,
        Retried: consumer.Retried,
        DeadLettered: consumer.DeadLettered,
        Dropped: consumer.Dropped,
        Abandoned: consumer.Abandoned);

    /// <summary>The answer to a drain request whose stop is <paramref name="stopped"/>.</summary>
    internal ValueTask<WorkQueueDrainResult<T>> For(Task stopped)
    {
        if (consumer.CallerSlot() is { } caller)
        {
            return FromInsideAsync(caller);
        }

        lock (_gate)
        {
            return new ValueTask<WorkQueueDrainResult<T>>(_result ??= WhenStoppedAsync(stopped));
        }
    }

    private async ValueTask<WorkQueueDrainResult<T>> FromInsideAsync(ConsumerWorker<T> caller)
    {
        await consumer.WhenQuiescentExceptAsync(caller).ConfigureAwait(false);
        return Build();
    }

    private async Task<WorkQueueDrainResult<T>> WhenStoppedAsync(Task stopped)
    {
        await stopped.ConfigureAwait(false);
        var result = Build();
        if (result.Completed)
        {
            Log.Drained(logger, name, result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }
        else
        {
            Log.DrainDeadlineExceeded(logger, name, result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }

        return result;
    }

    private WorkQueueDrainResult<T> Build() => new(
        !consumer.AbandonedSinceStop,
        consumer.Delivered,
        consumer.DeadLettered,
        consumer.Dropped,
        consumer.Abandoned,
        consumer.StopElapsed,
        abandoned());
}
