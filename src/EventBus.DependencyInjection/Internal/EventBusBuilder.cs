using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Internal;

internal sealed class EventBusBuilder(IServiceCollection services) : IEventBusBuilder
{
    public IServiceCollection Services { get; } = services;
}
