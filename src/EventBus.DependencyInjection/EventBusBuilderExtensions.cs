using System.Diagnostics.CodeAnalysis;
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
    /// <remarks>
    /// <para>Registering the same handler for the same event again with the same settings (every
    /// <see cref="SubscriptionOptions"/> value equal, the retry policy and dead-letter sink included) adds
    /// nothing: the handler is subscribed once. With different settings (another topic, say) it is
    /// subscribed once per distinct set of settings, and an event that matches two of them is handled
    /// twice; the host logs a warning when it starts if two such subscriptions share a topic.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IEventBusBuilder AddHandler<TEvent, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IEventBusBuilder builder, Action<SubscriptionOptions>? configure = null)
        where THandler : class, IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SubscriptionOptions { Name = typeof(THandler).Name };
        configure?.Invoke(options);
        builder.Services.TryAddScoped<THandler>();
        if (!IsRegistered<TEvent, THandler>(builder.Services, options))
        {
            builder.Services.AddSingleton<HandlerRegistration>(new HandlerRegistration<TEvent, THandler>(options));
        }

        return builder;
    }

    /// <summary>
    /// Registers a work queue of <typeparamref name="T"/> whose items are handled by
    /// <typeparamref name="THandler"/>, one scope per item. Producers inject <see cref="IWorkQueue{T}"/>
    /// (and <see cref="WorkQueue{T}"/> for statistics and re-drive) to enqueue.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures the queue (workers, capacity, retries, partitioning, batching...). It runs
    /// when the queue is created; <see cref="WorkQueueOptions{T}.Shared"/> is the bus's options.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The queue starts with the host (or when first resolved) and is drained when the host stops,
    /// after the bus, so events handled during the bus's drain can still enqueue work.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="InvalidOperationException">An unnamed queue of <typeparamref name="T"/> is already registered, with
    /// another handler or another <paramref name="configure"/> delegate (the same call made twice, same handler and same
    /// delegate, adds nothing).</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IEventBusBuilder builder, Action<WorkQueueOptions<T>>? configure = null)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new WorkQueueRegistration<T, THandler>(typeof(T).Name, isNamed: false, configure).AddTo(builder);
    }

    /// <summary>
    /// Registers a named work queue of <typeparamref name="T"/>, so several queues of one item type can
    /// coexist. Producers inject it as a keyed service: <c>[FromKeyedServices("name")] IWorkQueue&lt;T&gt;</c>.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="name">The queue's name: its service key, and its name in logs, metrics and dead letters.</param>
    /// <param name="configure">Configures the queue; see <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, Action{WorkQueueOptions{T}}?)"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or whitespace.</exception>
    /// <exception cref="InvalidOperationException">A queue of <typeparamref name="T"/> with this name is already registered,
    /// with another handler or another <paramref name="configure"/> delegate.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IEventBusBuilder builder, string name, Action<WorkQueueOptions<T>>? configure = null)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new WorkQueueRegistration<T, THandler>(name, isNamed: true, configure).AddTo(builder);
    }

    private static bool IsRegistered<TEvent, THandler>(IServiceCollection services, SubscriptionOptions settings)
        where THandler : class, IEventHandler<TEvent>
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(HandlerRegistration)
                && descriptor.ImplementationInstance is HandlerRegistration<TEvent, THandler> existing
                && SubscriptionSettings.AreEqual(existing.Settings, settings))
            {
                return true;
            }
        }

        return false;
    }
}
