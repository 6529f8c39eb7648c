using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Internal;

/// <summary>A work queue registered with <c>AddWorkQueue</c>: created once, on first use or at host start,
/// and drained by the hosted service.</summary>
internal abstract class WorkQueueRegistration
{
    /// <summary>The queue's name (its service key, when named).</summary>
    internal abstract string Name { get; }

    /// <summary>Creates the queue if it does not exist yet (its workers start then).</summary>
    internal abstract void Start(IServiceProvider services);

    /// <summary>Drains the queue if it was ever created.</summary>
    internal abstract ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline);
}

/// <summary>Owns one <see cref="WorkQueue{T}"/> whose items are handled by <typeparamref name="THandler"/> in a scope each.</summary>
internal sealed class WorkQueueRegistration<T, THandler>(string name, Action<WorkQueueOptions<T>>? configure) : WorkQueueRegistration
    where THandler : class, IWorkItemHandler<T>
{
    private readonly Lock _gate = new();
    private WorkQueue<T>? _queue;

    internal override string Name => name;

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
            _queue = WorkQueue.Create<T>((item, context, cancellationToken) => HandleAsync(scopes, item, context, cancellationToken), options);
            return _queue;
        }
    }

    internal override void Start(IServiceProvider services) => GetOrCreate(services);

    internal override async ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline)
    {
        WorkQueue<T>? queue;
        lock (_gate)
        {
            queue = _queue;
        }

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
