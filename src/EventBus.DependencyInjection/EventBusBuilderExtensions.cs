using EventBus;
using EventBus.DependencyInjection.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds handlers to the event bus registered by <c>AddEventBus</c>.</summary>
public static class EventBusBuilderExtensions
{
    /// <summary>
    /// Subscribes the handler class <typeparamref name="THandler"/> to <typeparamref name="TEvent"/>
    /// when the bus starts. Each event is handled by an instance resolved from a new scope, disposed
    /// afterwards. <typeparamref name="THandler"/> is registered as scoped unless already registered.
    /// </summary>
    /// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures the subscription (topic, mode, capacity, retries...); run here, once,
    /// so a bad value throws at this call.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Every call adds a subscription: register the same handler twice (for two topics, say) and
    /// it is subscribed twice.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IEventBusBuilder AddHandler<TEvent, THandler>(this IEventBusBuilder builder, Action<SubscriptionOptions>? configure = null)
        where THandler : class, IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SubscriptionOptions { Name = typeof(THandler).Name };
        configure?.Invoke(options);
        builder.Services.TryAddScoped<THandler>();
        builder.Services.AddSingleton<HandlerRegistration>(new HandlerRegistration<TEvent, THandler>(options));
        return builder;
    }
}
