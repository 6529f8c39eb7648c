using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventBus.DependencyInjection.Internal;

/// <summary>Resolves every registered handler class, and every filter around one, once when the host starts, so that a
/// missing dependency fails the start instead of every event.</summary>
internal static partial class HandlerStartupCheck
{
    internal static async Task RunAsync(IServiceProvider services, ILogger logger)
    {
        List<Failure>? failures = null;
        var seen = new HashSet<Type>();
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            foreach (var handler in HandlerClasses(services))
            {
                if (seen.Add(handler.HandlerType))
                {
                    Resolve(scope.ServiceProvider, handler.HandlerType, $"{handler.HandlerType.FullName} ({handler.Role})", ref failures);
                }

                // A filter is named with the first handler it wraps; a global one that fails is reported once.
                foreach (var filter in HandlerFilterPipeline.FilterTypes(services, handler.Filters))
                {
                    if (seen.Add(filter))
                    {
                        Resolve(scope.ServiceProvider, filter, $"{filter.FullName} (filter around {handler.HandlerType.FullName}, {handler.Role})", ref failures);
                    }
                }
            }
        }

        if (failures is not null)
        {
            throw ToException(failures);
        }

        WarnAboutDuplicates(services, logger);
    }

    private static IEnumerable<IHandlerClass> HandlerClasses(IServiceProvider services) =>
        services.GetServices<HandlerRegistration>().Cast<IHandlerClass>().Concat(services.GetServices<WorkQueueRegistration>());

    private static void Resolve(IServiceProvider scope, Type type, string description, ref List<Failure>? failures)
    {
        try
        {
            _ = scope.GetRequiredService(type);
        }
        catch (Exception ex)
        {
            // Any failure to create it (a missing service, a throwing constructor) is reported, all together.
            (failures ??= []).Add(new Failure(description, typeof(IHandlerFilter).IsAssignableFrom(type), ex));
        }
    }

    private static InvalidOperationException ToException(List<Failure> failures)
    {
        var filters = failures.Count(static f => f.IsFilter);
        var what = (failures.Count, filters) switch
        {
            (1, 0) => "An event bus handler class cannot be created",
            (1, _) => "An event bus handler filter cannot be created",
            (_, 0) => $"{failures.Count} event bus handler classes cannot be created",
            _ => $"{failures.Count} event bus handler classes and filters cannot be created",
        };
        var message = new StringBuilder().Append(what).Append(" (each was resolved once when the host started):");
        foreach (var failure in failures)
        {
            message.AppendLine().Append(" - ").Append(failure.Description).Append(": ").Append(failure.Error.Message);
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

    private sealed record Failure(string Description, bool IsFilter, Exception Error);

    [LoggerMessage(EventId = 2003, EventName = "HandlerSubscribedTwice", Level = LogLevel.Warning,
        Message = "{Handler} is subscribed to {EventType} on topic {Topic} more than once, with different settings: it handles each such event once per subscription")]
    private static partial void LogSubscribedTwice(ILogger logger, string handler, string eventType, string topic);
}
