using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EventBus.HealthChecks.Internal;

/// <summary>Reads every consumer of the bus and the registered work queues, and turns what
/// <see cref="ConsumerReadings"/> makes of them into a health result.</summary>
internal sealed class EventBusHealthCheck(IEventBus bus, IEnumerable<IRegisteredWorkQueue> queues, ConsumerReadings readings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var consumers = new List<ConsumerSample>();
        foreach (var subscription in bus.Subscriptions)
        {
            var statistics = subscription.GetStatistics();
            consumers.Add(new ConsumerSample(
                subscription,
                $"subscription '{subscription.Name}'",
                Pending: subscription.PendingCount,
                Buffered: subscription.PendingCount,
                subscription.Capacity,
                Finished: statistics.Delivered + statistics.FailedAttempts + statistics.DeadLettered + statistics.Dropped + statistics.Abandoned,
                statistics.DeadLettered));
        }

        foreach (var queue in queues)
        {
            if (!queue.IsCreated)
            {
                continue;
            }

            var statistics = queue.GetStatistics();
            var buffered = queue.Count;
            consumers.Add(new ConsumerSample(
                queue,
                $"work queue '{queue.Name}'",
                Pending: buffered + queue.InFlight,
                buffered,
                queue.Capacity,
                Finished: statistics.Processed + statistics.FailedAttempts + statistics.DeadLettered + statistics.Dropped + statistics.Abandoned,
                statistics.DeadLettered));
        }

        return Task.FromResult(readings.Evaluate(consumers, context.Registration.FailureStatus));
    }
}
