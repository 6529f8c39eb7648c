using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A work queue registered with <c>AddWorkQueue</c>: created once, on first use or at host start,
/// and drained by the hosted service.</summary>
internal abstract class WorkQueueRegistration : IHandlerClass, IRegisteredWorkQueue
{
    public abstract string Name { get; }

    public abstract Type ItemType { get; }

    public abstract Type HandlerType { get; }

    public string Role => $"handler of work queue '{Name}'";

    public abstract bool IsCreated { get; }

    public abstract int Count { get; }

    public abstract int InFlight { get; }

    public abstract int Capacity { get; }

    public abstract WorkQueueStatistics GetStatistics();

    /// <summary>Whether this registration is the one <c>AddWorkQueue</c> would make from these arguments
    /// (<paramref name="queueName"/> null for an unnamed queue): the same handler and the same configure delegate.</summary>
    internal abstract bool IsSameAs(Type itemType, string? queueName, Type handlerType, Delegate? otherConfigure);

    /// <summary>Creates the queue if it does not exist yet (its workers start then).</summary>
    internal abstract void Start(IServiceProvider services);

    /// <summary>Drains the queue if it was ever created.</summary>
    internal abstract ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline);
}

/// <summary>Owns one <see cref="WorkQueue{T}"/> whose items are handled by <typeparamref name="THandler"/> in a scope each.</summary>
internal sealed class WorkQueueRegistration<T, THandler>(string name, bool isNamed, Action<WorkQueueOptions<T>>? configure) : WorkQueueRegistration
    where THandler : class, IWorkItemHandler<T>
{
    private readonly Lock _gate = new();
    private WorkQueue<T>? _queue;

    public override string Name => name;

    public override Type ItemType => typeof(T);

    public override Type HandlerType => typeof(THandler);

    public override bool IsCreated => Current is not null;

    public override int Count => Current?.Count ?? 0;

    public override int InFlight => Current?.InFlight ?? 0;

    public override int Capacity => Current?.Capacity ?? 0;

    private WorkQueue<T>? Current => Volatile.Read(ref _queue);

    public override WorkQueueStatistics GetStatistics() => Current?.GetStatistics() ?? default;

    internal override bool IsSameAs(Type itemType, string? queueName, Type handlerType, Delegate? otherConfigure) =>
        itemType == typeof(T)
        && (isNamed ? string.Equals(queueName, name, StringComparison.Ordinal) : queueName is null)
        && handlerType == typeof(THandler)
        && Equals(otherConfigure, configure);

    internal WorkQueue<T> GetOrCreate(IServiceProvider services)
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
                Name = name,
                Shared = services.GetRequiredService<IOptions<EventBusOptions>>().Value,
            };
            configure?.Invoke(options);
            options.RetryPolicy = ContainerDisposedException.ExcludeFrom(options.RetryPolicy);

            var scopes = services.GetRequiredService<IServiceScopeFactory>();
            Volatile.Write(ref _queue, WorkQueue.Create<T>((item, context, cancellationToken) => HandleAsync(scopes, item, context, cancellationToken), options));
            return _queue;
        }
    }

    internal override void Start(IServiceProvider services) => GetOrCreate(services);

    internal override async ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline)
    {
        var queue = Current;
        return queue is null ? null : await queue.CompleteAsync(deadline).ConfigureAwait(false);
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
