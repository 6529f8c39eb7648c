using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A work queue registered with <c>AddWorkQueue</c>: created once, on first use or at host start,
/// and drained by the hosted service.</summary>
/// <param name="name">The queue's name: its service key when <paramref name="isNamed"/>, else its item type's name.</param>
/// <param name="isNamed">Whether the queue is a keyed service.</param>
/// <param name="itemType">The queue's item type.</param>
/// <param name="handlerType">The handler class.</param>
/// <param name="persistence">What makes the queue durable (EventBus.Sqlite's options object); null for an in-memory queue.</param>
/// <param name="configure">The user's configure delegate, if any.</param>
/// <param name="filters">The queue's own handler filters, in order.</param>
internal abstract class WorkQueueRegistration(
    string name, bool isNamed, Type itemType, Type handlerType, object? persistence, Delegate? configure, Type[] filters) : IHandlerClass, IRegisteredWorkQueue
{
    public string Name => name;

    public Type ItemType => itemType;

    public Type HandlerType => handlerType;

    public string Role => $"handler of work queue '{Name}'";

    public bool IsNamed => isNamed;

    public IReadOnlyList<Type> Filters => filters;

    public abstract bool IsCreated { get; }

    public abstract int Count { get; }

    public abstract int InFlight { get; }

    public abstract int Capacity { get; }

    public abstract WorkQueueStatistics GetStatistics();

    /// <summary>Whether <paramref name="other"/> is what this registration's <c>AddWorkQueue</c> call would make: the same item
    /// type, name, handler, persistence object, configure delegate and filters (so the same call made twice adds nothing).</summary>
    internal bool IsSameAs(WorkQueueRegistration other) =>
        other.ItemType == itemType
        && other.IsNamed == isNamed
        && string.Equals(other.Name, name, StringComparison.Ordinal)
        && other.HandlerType == handlerType
        && ReferenceEquals(other.Persistence, persistence)
        && Equals(other.Configure, configure)
        && other.Filters.SequenceEqual(filters);

    /// <summary>Creates the queue if it does not exist yet (its workers start then).</summary>
    internal abstract void Start(IServiceProvider services);

    /// <summary>Drains the queue if it was ever created.</summary>
    internal abstract ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline);

    private object? Persistence => persistence;

    private Delegate? Configure => configure;
}

/// <summary>
/// The registration of one queue of <typeparamref name="T"/> of kind <typeparamref name="TQueue"/> whose items are handled by
/// <typeparamref name="THandler"/> in a scope each: what every <c>AddWorkQueue</c> overload (in memory or durable) shares.
/// A kind adds only how its queue is created and read.
/// </summary>
internal abstract class WorkQueueRegistration<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler, TQueue>(
    string name, bool isNamed, object? persistence, Action<WorkQueueOptions<T>>? configure, Type[]? filters = null)
    : WorkQueueRegistration(name, isNamed, typeof(T), typeof(THandler), persistence, configure, filters ?? [])
    where THandler : class, IWorkItemHandler<T>
    where TQueue : class, IWorkQueue<T>
{
    /// <summary>The end of a filter pipeline: the handler, resolved from the attempt's scope.</summary>
    private static readonly HandlerFilterDelegate s_handle = static context =>
        context.Services.GetRequiredService<THandler>().HandleAsync((T)context.Message, context.EventContext, context.CancellationToken);

    private readonly Lock _gate = new();
    private TQueue? _queue;

    public override bool IsCreated => Current is not null;

    public override int Count => Current?.Count ?? 0;

    public override int InFlight => Current?.InFlight ?? 0;

    protected TQueue? Current => Volatile.Read(ref _queue);

    /// <summary>Adds this registration to <paramref name="builder"/>: the handler class (scoped, unless registered), the queue
    /// as <typeparamref name="TQueue"/> and <see cref="IWorkQueue{T}"/> (keyed by its name when it has one), and the
    /// registration itself for the hosted service, the start-up check and health checks.</summary>
    /// <exception cref="InvalidOperationException">A queue of <typeparamref name="T"/> with this name (or unnamed) is already
    /// registered by another call.</exception>
    internal IEventBusBuilder AddTo(IEventBusBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(IWorkQueue<T>) && d.IsKeyedService == IsNamed && (!IsNamed || Equals(d.ServiceKey, Name))))
        {
            return IsRegistered(services)
                ? builder
                : throw new InvalidOperationException(IsNamed
                    ? $"A work queue of {typeof(T).Name} named '{Name}' is already registered."
                    : $"A work queue of {typeof(T).Name} is already registered; give the second one a name (AddWorkQueue<T, THandler>(name, ...)) and inject it with [FromKeyedServices(name)].");
        }

        services.TryAddScoped<THandler>();
        services.AddSingleton<WorkQueueRegistration>(this);
        services.AddSingleton<IRegisteredWorkQueue>(this);
        if (IsNamed)
        {
            services.AddKeyedSingleton(Name, (sp, _) => GetOrCreate(sp));
            services.AddKeyedSingleton<IWorkQueue<T>>(Name, static (sp, key) => sp.GetRequiredKeyedService<TQueue>(key));
        }
        else
        {
            services.AddSingleton(GetOrCreate);
            services.AddSingleton<IWorkQueue<T>>(static sp => sp.GetRequiredService<TQueue>());
        }

        return builder;
    }

    private TQueue GetOrCreate(IServiceProvider services)
    {
        lock (_gate)
        {
            if (_queue is not null)
            {
                return _queue;
            }

            // The queue shares the bus's settings object (clock, logger, meter, dead-letter sink,
            // callbacks, drain timeout); the user's configure runs after, on the queue's own options.
            var options = new WorkQueueOptions<T>
            {
                Name = Name,
                Shared = services.GetRequiredService<IOptions<EventBusOptions>>().Value,
            };
            configure?.Invoke(options);
            options.RetryPolicy = ContainerDisposedException.ExcludeFrom(options.RetryPolicy);

            Volatile.Write(ref _queue, Create(Handler(services), options));
            return _queue;
        }
    }

    /// <summary>Creates the queue through the container, so that the container owns it and disposes it with itself
    /// (for a durable queue: closes its file) even when nothing else ever resolved it.</summary>
    internal override void Start(IServiceProvider services) =>
        _ = IsNamed ? services.GetRequiredKeyedService<TQueue>(Name) : services.GetRequiredService<TQueue>();

    /// <summary>Creates the queue (its workers start then), called once.</summary>
    /// <param name="handler">Handles an item with a <typeparamref name="THandler"/> from a scope of its own.</param>
    /// <param name="options">The queue's options, the user's configure applied.</param>
    protected abstract TQueue Create(Func<T, EventContext, CancellationToken, ValueTask> handler, WorkQueueOptions<T> options);

    /// <summary>How an item is handled, decided once: without filters, exactly the direct call in a scope.</summary>
    private Func<T, EventContext, CancellationToken, ValueTask> Handler(IServiceProvider services)
    {
        var pipeline = HandlerFilterPipeline.Create(services, Filters, s_handle, typeof(T), typeof(THandler), Name, isWorkItem: true);
        if (pipeline is not null)
        {
            return (item, context, cancellationToken) => pipeline.HandleAsync(item!, context, cancellationToken);
        }

        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        return (item, context, cancellationToken) => HandleAsync(scopes, item, context, cancellationToken);
    }

    private bool IsRegistered(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(WorkQueueRegistration)
                && descriptor.ImplementationInstance is WorkQueueRegistration existing
                && existing.IsSameAs(this))
            {
                return true;
            }
        }

        return false;
    }

    private static async ValueTask HandleAsync(IServiceScopeFactory scopes, T item, EventContext context, CancellationToken cancellationToken)
    {
        // A scope per item: scoped services are never shared between items or between workers.
        var scope = ContainerDisposedException.CreateScope(scopes, typeof(THandler));
        await using (scope.ConfigureAwait(false))
        {
            var handler = scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleAsync(item, context, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Owns one in-memory <see cref="WorkQueue{T}"/> whose items are handled by <typeparamref name="THandler"/>.</summary>
internal sealed class WorkQueueRegistration<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
    string name, bool isNamed, Action<WorkQueueOptions<T>>? configure, Type[]? filters = null)
    : WorkQueueRegistration<T, THandler, WorkQueue<T>>(name, isNamed, persistence: null, configure, filters)
    where THandler : class, IWorkItemHandler<T>
{
    public override int Capacity => Current?.Capacity ?? 0;

    public override WorkQueueStatistics GetStatistics() => Current?.GetStatistics() ?? default;

    internal override async ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline)
    {
        var queue = Current;
        return queue is null ? null : await queue.CompleteAsync(deadline).ConfigureAwait(false);
    }

    protected override WorkQueue<T> Create(Func<T, EventContext, CancellationToken, ValueTask> handler, WorkQueueOptions<T> options) =>
        WorkQueue.Create(handler, options);
}
