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
        return RegisterHandler<TEvent, THandler>(builder, configure, []);
    }

    /// <summary>
    /// Subscribes the handler class <typeparamref name="THandler"/> to <typeparamref name="TEvent"/>, as
    /// <see cref="AddHandler{TEvent, THandler}(IEventBusBuilder, Action{SubscriptionOptions}?)"/> does, with filters of its
    /// own around it (inside the bus's global filters, <see cref="AddFilter{TFilter}(IEventBusBuilder)"/>).
    /// </summary>
    /// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures the subscription; may be <see langword="null"/>.</param>
    /// <param name="filters">Adds this handler's filters, outermost first (<c>f => f.Add&lt;TenantFilter&gt;()</c>); run here, once.
    /// Each filter class is registered as scoped unless already registered.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The filters are part of the registration's settings: the same handler registered again with the same
    /// subscription settings and the same filters, in the same order, adds nothing; with other filters it is a second
    /// subscription.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="filters"/> is null.</exception>
    public static IEventBusBuilder AddHandler<TEvent, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, Action<SubscriptionOptions>? configure, Action<HandlerFilterList> filters)
        where THandler : class, IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(filters);
        return RegisterHandler<TEvent, THandler>(builder, configure, HandlerFilterList.Build(builder.Services, filters));
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
    /// Registers a work queue of <typeparamref name="T"/> handled by <typeparamref name="THandler"/>, as
    /// <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, Action{WorkQueueOptions{T}}?)"/> does, with filters of its own
    /// around the handler (inside the bus's global filters, <see cref="AddFilter{TFilter}(IEventBusBuilder)"/>).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="configure">Configures the queue; may be <see langword="null"/>.</param>
    /// <param name="filters">Adds the queue's filters, outermost first; run here, once. Each filter class is registered as
    /// scoped unless already registered.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="filters"/> is null.</exception>
    /// <exception cref="InvalidOperationException">An unnamed queue of <typeparamref name="T"/> is already registered, with
    /// another handler, <paramref name="configure"/> delegate or list of filters.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, Action<WorkQueueOptions<T>>? configure, Action<HandlerFilterList> filters)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(filters);
        var own = HandlerFilterList.Build(builder.Services, filters);
        return new WorkQueueRegistration<T, THandler>(typeof(T).Name, isNamed: false, configure, own).AddTo(builder);
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

    /// <summary>
    /// Registers a named work queue of <typeparamref name="T"/>, as
    /// <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, string, Action{WorkQueueOptions{T}}?)"/> does, with filters of
    /// its own around the handler (inside the bus's global filters).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="name">The queue's name: its service key, and its name in logs, metrics and dead letters.</param>
    /// <param name="configure">Configures the queue; may be <see langword="null"/>.</param>
    /// <param name="filters">Adds the queue's filters, outermost first; run here, once.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="filters"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or whitespace.</exception>
    /// <exception cref="InvalidOperationException">A queue of <typeparamref name="T"/> with this name is already registered,
    /// with another handler, <paramref name="configure"/> delegate or list of filters.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, string name, Action<WorkQueueOptions<T>>? configure, Action<HandlerFilterList> filters)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(filters);
        return new WorkQueueRegistration<T, THandler>(name, isNamed: true, configure, HandlerFilterList.Build(builder.Services, filters)).AddTo(builder);
    }

    /// <summary>
    /// Adds <typeparamref name="TFilter"/> around every handler class of the bus: each <c>AddHandler</c> subscription and
    /// each <c>AddWorkQueue</c> queue (durable ones included), whenever they were registered. Plain delegate
    /// subscriptions (<c>IEventBus.Subscribe</c>) are not filtered.
    /// </summary>
    /// <typeparam name="TFilter">The filter class, resolved from each event's scope for every attempt; registered as
    /// scoped unless already registered (register it yourself first for another lifetime).</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// <para>Global filters run in the order they were added, the first outermost, and outside the handler's own
    /// filters. Adding a filter type again adds nothing (it keeps its first place). The list is read when the bus and
    /// each work queue are created: add filters before the host starts.</para>
    /// <para>With no filter for a handler, its call is the direct one, decided when it is subscribed: no filter costs
    /// nothing. When the host starts, each filter is resolved once with the handler classes (see
    /// <see cref="EventBusHostOptions.CheckHandlersOnStart"/>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IEventBusBuilder AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>(this IEventBusBuilder builder)
        where TFilter : class, IHandlerFilter
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var descriptor in builder.Services)
        {
            if (descriptor.ImplementationInstance is GlobalHandlerFilter existing && existing.FilterType == typeof(TFilter))
            {
                return builder;
            }
        }

        builder.Services.TryAddScoped<TFilter>();
        builder.Services.AddSingleton(new GlobalHandlerFilter(typeof(TFilter)));
        return builder;
    }

    private static IEventBusBuilder RegisterHandler<TEvent, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        IEventBusBuilder builder, Action<SubscriptionOptions>? configure, Type[] filters)
        where THandler : class, IEventHandler<TEvent>
    {
        var options = new SubscriptionOptions { Name = typeof(THandler).Name };
        configure?.Invoke(options);
        builder.Services.TryAddScoped<THandler>();
        if (!IsRegistered<TEvent, THandler>(builder.Services, options, filters))
        {
            builder.Services.AddSingleton<HandlerRegistration>(new HandlerRegistration<TEvent, THandler>(options, filters));
        }

        return builder;
    }

    private static bool IsRegistered<TEvent, THandler>(IServiceCollection services, SubscriptionOptions settings, Type[] filters)
        where THandler : class, IEventHandler<TEvent>
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(HandlerRegistration)
                && descriptor.ImplementationInstance is HandlerRegistration<TEvent, THandler> existing
                && SubscriptionSettings.AreEqual(existing.Settings, settings)
                && existing.Filters.SequenceEqual(filters))
            {
                return true;
            }
        }

        return false;
    }
}
