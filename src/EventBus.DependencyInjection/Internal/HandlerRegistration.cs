using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A handler class registered with <c>AddHandler</c>, subscribed when the bus is created.</summary>
internal abstract class HandlerRegistration : IHandlerClass
{
    public abstract Type HandlerType { get; }

    public abstract string Role { get; }

    public abstract IReadOnlyList<Type> Filters { get; }

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
    /// <summary>The end of a filter pipeline: the handler, resolved from the attempt's scope.</summary>
    private static readonly HandlerFilterDelegate s_handle = static context =>
        context.Services.GetRequiredService<THandler>().HandleAsync((TEvent)context.Message, context.EventContext, context.CancellationToken);

    private readonly SubscriptionOptions _subscribed;

    internal HandlerRegistration(SubscriptionOptions settings, Type[] filters)
    {
        Settings = settings;
        Filters = filters;
        _subscribed = SubscriptionSettings.Copy(settings);
        _subscribed.RetryPolicy = ContainerDisposedException.ExcludeFrom(settings.RetryPolicy);
    }

    public override Type HandlerType => typeof(THandler);

    public override string Role => $"handler of {typeof(TEvent).Name}";

    public override IReadOnlyList<Type> Filters { get; }

    internal override Type EventType => typeof(TEvent);

    internal override SubscriptionOptions Settings { get; }

    internal override IEventSubscription Subscribe(IEventBus bus, IServiceProvider services)
    {
        // Decided once here: without filters, the subscription calls the handler exactly as it always has.
        var pipeline = HandlerFilterPipeline.Create(
            services, Filters, s_handle, typeof(TEvent), typeof(THandler), Settings.Name ?? typeof(THandler).Name, isWorkItem: false);
        if (pipeline is not null)
        {
            return bus.Subscribe<TEvent>((@event, context, cancellationToken) => pipeline.HandleAsync(@event!, context, cancellationToken), _subscribed);
        }

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
