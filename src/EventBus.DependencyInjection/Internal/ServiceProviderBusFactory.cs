using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Internal;

/// <summary>Builds the container's bus: options from the options pattern, then every registered handler subscribed.</summary>
internal static class ServiceProviderBusFactory
{
    internal static IEventBus Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<EventBusOptions>>().Value;
        var bus = EventBusFactory.Create(options);
        foreach (var registration in services.GetServices<HandlerRegistration>())
        {
            registration.Subscribe(bus, services);
        }

        return bus;
    }
}
