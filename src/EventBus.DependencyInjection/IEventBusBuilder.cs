using Microsoft.Extensions.DependencyInjection;

namespace EventBus;

/// <summary>Configures the event bus registered by <c>AddEventBus</c>. Features are extension methods on this builder.</summary>
public interface IEventBusBuilder
{
    /// <summary>The service collection the bus is registered in.</summary>
    IServiceCollection Services { get; }
}
