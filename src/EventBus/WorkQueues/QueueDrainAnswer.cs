using EventBus.Consumers;
using EventBus.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBus.WorkQueues;

/// <summary>
/// How a work-queue face (in memory or durable) answers <c>CompleteAsync</c>: every caller outside the
/// queue's handlers shares one result, built and logged once when the engine has stopped; a caller inside a
/// handler gets the counts at the moment nothing is left that another worker could finish.
/// </summary>
internal sealed class QueueDrainAnswer<T>(Consumer<T> consumer, string name, ILogger logger, Func<T[]> abandoned)
{
    private readonly Lock _gate = new();
    private Task<WorkQueueDrainResult<T>>? _result;

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
