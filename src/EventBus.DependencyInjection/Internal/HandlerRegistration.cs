using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A handler class registered with <c>AddHandler</c>, subscribed when the bus is created.</summary>
internal abstract class HandlerRegistration : IHandlerClass
{
    public abstract Type HandlerType { get; }

    public abstract string Role { get; }

    /// <summary>The event type handled.</summary>
    internal abstract Type EventType { get; }

    /// <summary>The subscription's settings as the caller gave them (before the container's own retry rule is added).</summary>
    internal abstract SubscriptionOptions Settings { get; }

    internal abstract IEventSubscription Subscribe(IEventBus bus, IServiceProvider services);
}

/// <summary>Subscribes <typeparamref name="THandler"/> so that every event is handled in its own scope.</summary>
internal sealed class HandlerRegistration<TEvent, THandler> : HandlerRegistration
    where THandler : class, IEventHandler<TEvent>
{
    private readonly SubscriptionOptions _subscribed;

    internal HandlerRegistration(SubscriptionOptions settings)
    {
        Settings = settings;
        _subscribed = SubscriptionSettings.Copy(settings);
        _subscribed.RetryPolicy = ContainerDisposedException.ExcludeFrom(settings.RetryPolicy);
    }

    public override Type HandlerType => typeof(THandler);

    public override string Role => $"handler of {typeof(TEvent).Name}";

    internal override Type EventType => typeof(TEvent);

    internal override SubscriptionOptions Settings { get; }

    internal override IEventSubscription Subscribe(IEventBus bus, IServiceProvider services)
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        return bus.Subscribe<TEvent>((@event, context, cancellationToken) => HandleAsync(scopes, @event, context, cancellationToken), _subscribed);
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
