using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventBus.DependencyInjection.Internal;

/// <summary>
/// Starts the bus (and with it every registered handler) when the host starts, and drains it when
/// the host stops, within the host's shutdown timeout.
/// </summary>
/// <remarks>Registered by the first <c>AddEventBus</c> call, before the application's own hosted
/// services in most programs; the host stops services in reverse order, so producers stop first and
/// the bus drains what they published.</remarks>
internal sealed partial class EventBusHostedService(IServiceProvider services, ILogger<EventBusHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IEventBus>();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The token fires when the host's shutdown timeout elapses: that is the drain deadline.
        var result = await services.GetRequiredService<IEventBus>().CompleteAsync(cancellationToken).ConfigureAwait(false);
        if (result.Completed)
        {
            LogStopped(logger, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned, result.Elapsed.TotalMilliseconds);
        }
        else
        {
            LogStoppedAtDeadline(logger, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned, result.Elapsed.TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = 2001, EventName = "EventBusStopped", Level = LogLevel.Information,
        Message = "Event bus stopped: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned} ({ElapsedMs} ms to drain)")]
    private static partial void LogStopped(ILogger logger, long delivered, long deadLettered, long dropped, long abandoned, double elapsedMs);

    [LoggerMessage(EventId = 2002, EventName = "EventBusStoppedAtDeadline", Level = LogLevel.Warning,
        Message = "Event bus stopped at the host's shutdown timeout: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned} ({ElapsedMs} ms)")]
    private static partial void LogStoppedAtDeadline(ILogger logger, long delivered, long deadLettered, long dropped, long abandoned, double elapsedMs);
}
