using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.DependencyInjection.Internal;

/// <summary>Resolves every registered handler class once when the host starts, so that a missing
/// dependency fails the start instead of every event.</summary>
internal static partial class HandlerStartupCheck
{
    internal static async Task RunAsync(IServiceProvider services, ILogger logger)
    {
        List<(IHandlerClass Handler, Exception Error)>? failures = null;
        var seen = new HashSet<Type>();
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            foreach (var handler in HandlerClasses(services))
            {
                if (!seen.Add(handler.HandlerType))
                {
                    continue;
                }

                try
                {
                    _ = scope.ServiceProvider.GetRequiredService(handler.HandlerType);
                }
                catch (Exception ex)
                {
                    // Any failure to create the handler (a missing service, a throwing constructor) is reported, all together.
                    (failures ??= []).Add((handler, ex));
                }
            }
        }

        if (failures is not null)
        {
            throw Failure(failures);
        }

        WarnAboutDuplicates(services, logger);
    }

    private static IEnumerable<IHandlerClass> HandlerClasses(IServiceProvider services) =>
        services.GetServices<HandlerRegistration>().Cast<IHandlerClass>().Concat(services.GetServices<WorkQueueRegistration>());

    private static InvalidOperationException Failure(List<(IHandlerClass Handler, Exception Error)> failures)
    {
        var message = new StringBuilder();
        message.Append(failures.Count == 1 ? "An event bus handler class cannot be created" : $"{failures.Count} event bus handler classes cannot be created")
            .Append(" (each was resolved once when the host started):");
        foreach (var (handler, error) in failures)
        {
            message.AppendLine().Append(" - ").Append(handler.HandlerType.FullName).Append(" (").Append(handler.Role).Append("): ").Append(error.Message);
        }

        message.AppendLine()
            .Append("Register the services they need, or turn this check off with services.Configure<EventBusHostOptions>(o => o.CheckHandlersOnStart = false).");
        var inner = failures.Count == 1 ? failures[0].Error : new AggregateException(failures.Select(f => f.Error));
        return new InvalidOperationException(message.ToString(), inner);
    }

    /// <summary>Two subscriptions of one handler class to one event type and topic, with different settings,
    /// handle every such event twice: legal (AddHandler keeps both), but rarely meant.</summary>
    private static void WarnAboutDuplicates(IServiceProvider services, ILogger logger)
    {
        var seen = new HashSet<(Type Event, Type Handler, string? Topic)>();
        foreach (var registration in services.GetServices<HandlerRegistration>())
        {
            if (!seen.Add((registration.EventType, registration.HandlerType, registration.Settings.Topic)))
            {
                LogSubscribedTwice(logger, registration.HandlerType.Name, registration.EventType.Name, registration.Settings.Topic ?? "(any)");
            }
        }
    }

    [LoggerMessage(EventId = 2003, EventName = "HandlerSubscribedTwice", Level = LogLevel.Warning,
        Message = "{Handler} is subscribed to {EventType} on topic {Topic} more than once, with different settings: it handles each such event once per subscription")]
    private static partial void LogSubscribedTwice(ILogger logger, string handler, string eventType, string topic);
}
