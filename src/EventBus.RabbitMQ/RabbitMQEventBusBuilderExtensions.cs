using EventBus;
using EventBus.RabbitMQ;
using EventBus.RabbitMQ.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the RabbitMQ bridge to the event bus registered by <c>AddEventBus</c>.</summary>
public static class RabbitMQEventBusBuilderExtensions
{
    /// <summary>
    /// Connects the bus to RabbitMQ: events chosen with <see cref="RabbitMQOptions.Publish{T}(string?)"/> go out
    /// to a topic exchange with publisher confirms; events chosen with <see cref="RabbitMQOptions.Subscribe{T}(string?)"/>
    /// come in to every instance; messages chosen with <c>Consume</c> come in to one instance of many, into a
    /// local work queue. Registers <see cref="IRabbitMQBridge"/> and a hosted service that connects when the
    /// host starts (after the bus) and stops consuming when it stops (before the bus drains).
    /// </summary>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures the bridge; run here, once, so a bad value throws at this call.
    /// Read connection settings from configuration with
    /// <see cref="RabbitMQConnectionOptions.ReadFrom(Microsoft.Extensions.Configuration.IConfiguration)"/>.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The host fails to start, with a <see cref="RabbitMQBridgeException"/> naming the endpoint (the
    /// password redacted), when the broker cannot be reached, the credentials are refused or the user lacks
    /// rights on the virtual host; and with an <see cref="InvalidOperationException"/> when the credentials are
    /// missing or a type has no JSON metadata.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><c>AddRabbitMQ</c> was already called on this service collection.</exception>
    public static IEventBusBuilder AddRabbitMQ(this IEventBusBuilder builder, Action<RabbitMQOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(RabbitMQBridge)))
        {
            throw new InvalidOperationException("AddRabbitMQ was already called: one bridge per service collection (it may publish and consume any number of types).");
        }

        var options = new RabbitMQOptions();
        configure(options);
        foreach (var consumer in options.Consumers)
        {
            consumer.AddServices(services);
        }

        services.AddSingleton(sp => new RabbitMQBridge(options, sp));
        services.AddSingleton<IRabbitMQBridge>(static sp => sp.GetRequiredService<RabbitMQBridge>());
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<RabbitMQBridge>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<EventBusOptions>, RelayDeadLetterSink.Installer>());
        return builder;
    }
}
