using System.Diagnostics.Metrics;
using EventBus;
using EventBus.DependencyInjection.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers EventBus in a service collection.</summary>
public static class EventBusServiceCollectionExtensions
{
    /// <summary>
    /// Registers the event bus as a singleton <see cref="IEventBus"/>, injectable typed
    /// <see cref="IPublisher{TEvent}"/> and <see cref="ISubscriber{TEvent}"/>, the dead-letter sink
    /// as <see cref="IDeadLetterSink"/>, and a hosted service that starts the bus with the host and
    /// drains it when the host stops.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="EventBusOptions"/> through the options pattern; may be called
    /// once per <c>AddEventBus</c> call, and every call's action applies.</param>
    /// <returns>A builder to add handlers and work queues.</returns>
    /// <remarks>
    /// <para>Idempotent: calling it again adds no service twice (only the new <paramref name="configure"/> action).</para>
    /// <para>Options are validated when the host starts: a bad value fails the start with an
    /// exception naming the option. The logger factory and a <see cref="TimeProvider"/> registered in
    /// the container are used unless the options set their own.</para>
    /// <para>Without a host, the bus is created (and its handlers subscribed) when first resolved,
    /// and drained (up to <see cref="EventBusOptions.DrainTimeout"/>) when the service provider is
    /// disposed with <c>DisposeAsync</c>; a synchronous <c>Dispose</c> abandons what is buffered.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IEventBusBuilder AddEventBus(this IServiceCollection services, Action<EventBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var optionsBuilder = services.AddOptions<EventBusOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        if (services.Any(static d => d.ServiceType == typeof(EventBusMarker)))
        {
            return new EventBusBuilder(services);
        }

        services.AddSingleton<EventBusMarker>();
        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<EventBusOptions>, UseContainerServices>());
        services.TryAddSingleton(ServiceProviderBusFactory.Create);
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<EventBusOptions>>().Value.DeadLetterSink);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(IPublisher<>), typeof(TypedPublisher<>)));
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ISubscriber<>), typeof(TypedSubscriber<>)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventBusHostedService>());
        return new EventBusBuilder(services);
    }

    /// <summary>Fills in the logger factory and clock from the container when the options did not set them.</summary>
    private sealed class UseContainerServices(IServiceProvider services) : IPostConfigureOptions<EventBusOptions>
    {
        public void PostConfigure(string? name, EventBusOptions options)
        {
            options.LoggerFactory ??= services.GetService<ILoggerFactory>();
            options.MeterFactory ??= services.GetService<IMeterFactory>();
            if (ReferenceEquals(options.TimeProvider, TimeProvider.System) && services.GetService<TimeProvider>() is { } time)
            {
                options.TimeProvider = time;
            }
        }
    }
}
