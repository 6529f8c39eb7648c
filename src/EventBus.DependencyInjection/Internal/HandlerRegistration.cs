using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A handler class registered with <c>AddHandler</c>, subscribed when the bus is created.</summary>
internal abstract class HandlerRegistration
{
    internal abstract IEventSubscription Subscribe(IEventBus bus, IServiceProvider services);
}

/// <summary>Subscribes <typeparamref name="THandler"/> so that every event is handled in its own scope.</summary>
internal sealed class HandlerRegistration<TEvent, THandler> : HandlerRegistration
    where THandler : class, IEventHandler<TEvent>
{
    internal HandlerRegistration(SubscriptionOptions options)
    {
        options.RetryPolicy = ContainerDisposedException.ExcludeFrom(options.RetryPolicy);
        Options = options;
    }

    internal SubscriptionOptions Options { get; }

    internal override IEventSubscription Subscribe(IEventBus bus, IServiceProvider services)
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        return bus.Subscribe<TEvent>((@event, context, cancellationToken) => HandleAsync(scopes, @event, context, cancellationToken), Options);
    }

    private static async ValueTask HandleAsync(IServiceScopeFactory scopes, TEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        // A scope per event: scoped services are never shared between events, or between the
        // parallel calls of a subscription with MaxConcurrency above 1.
        var scope = ContainerDisposedException.CreateScope(scopes, typeof(THandler));
        await using (scope.ConfigureAwait(false))
        {
            var handler = scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleAsync(@event, context, cancellationToken).ConfigureAwait(false);
        }
    }
}
