using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Internal;

/// <summary>
/// Starts the bus (and with it every registered handler) and the registered work queues when the host
/// starts, and drains them when the host stops, within the host's shutdown timeout.
/// </summary>
/// <remarks>Registered by the first <c>AddEventBus</c> call, before the application's own hosted
/// services in most programs; the host stops services in reverse order, so producers stop first and
/// the bus drains what they published.</remarks>
internal sealed partial class EventBusHostedService(
    IServiceProvider services, IOptions<EventBusHostOptions> hostOptions, ILogger<EventBusHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (hostOptions.Value.CheckHandlersOnStart)
        {
            await HandlerStartupCheck.RunAsync(services, logger).ConfigureAwait(false);
        }

        _ = services.GetRequiredService<IEventBus>();
        foreach (var queue in services.GetServices<WorkQueueRegistration>())
        {
            queue.Start(services);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The token fires when the host's shutdown timeout elapses: that is the drain deadline. The bus
        // drains first, so its handlers can still enqueue work; then the queues drain together.
        var result = await services.GetRequiredService<IEventBus>().CompleteAsync(cancellationToken).ConfigureAwait(false);
        Report("event bus", result);

        var queues = services.GetServices<WorkQueueRegistration>().ToList();
        var drains = queues.Select(queue => queue.CompleteAsync(cancellationToken).AsTask()).ToList();
        var results = await Task.WhenAll(drains).ConfigureAwait(false);
        for (var i = 0; i < queues.Count; i++)
        {
            if (results[i] is { } queueResult)
            {
                Report($"work queue '{queues[i].Name}'", queueResult);
            }
        }
    }

    private void Report(string owner, DrainResult result)
    {
        if (result.Completed)
        {
            LogStopped(logger, owner, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned, result.Elapsed.TotalMilliseconds);
        }
        else
        {
            LogStoppedAtDeadline(logger, owner, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned, result.Elapsed.TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = 2001, EventName = "EventBusStopped", Level = LogLevel.Information,
        Message = "The {Owner} stopped: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned} ({ElapsedMs} ms to drain)")]
    private static partial void LogStopped(ILogger logger, string owner, long delivered, long deadLettered, long dropped, long abandoned, double elapsedMs);

    [LoggerMessage(EventId = 2002, EventName = "EventBusStoppedAtDeadline", Level = LogLevel.Warning,
        Message = "The {Owner} stopped at the host's shutdown timeout: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned} ({ElapsedMs} ms)")]
    private static partial void LogStoppedAtDeadline(ILogger logger, string owner, long delivered, long deadLettered, long dropped, long abandoned, double elapsedMs);
}
