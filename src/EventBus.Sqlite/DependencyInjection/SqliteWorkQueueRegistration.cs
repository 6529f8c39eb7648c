using System.Diagnostics.CodeAnalysis;
using EventBus.DependencyInjection.Internal;

namespace EventBus.Sqlite.DependencyInjection;

/// <summary>A durable work queue registered with <c>AddWorkQueue&lt;T, THandler&gt;(persistence)</c>: created once, on first
/// use or when the host starts (which opens its file), and drained by the bus's hosted service after the bus, like an
/// in-memory queue.</summary>
internal sealed class SqliteWorkQueueRegistration<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
    string name, bool isNamed, SqliteQueueOptions<T> persistence, Action<WorkQueueOptions<T>>? configure, Type[]? filters = null)
    : WorkQueueRegistration<T, THandler, SqliteWorkQueue<T>>(name, isNamed, persistence, configure, filters)
    where THandler : class, IWorkItemHandler<T>
{
    public override int Capacity => Current?.Capacity ?? 0;

    public override WorkQueueStatistics GetStatistics() => Current?.GetStatistics() ?? default;

    internal override async ValueTask<DrainResult?> CompleteAsync(CancellationToken deadline)
    {
        var queue = Current;
        return queue is null ? null : await queue.CompleteAsync(deadline).ConfigureAwait(false);
    }

    protected override SqliteWorkQueue<T> Create(Func<T, EventContext, CancellationToken, ValueTask> handler, WorkQueueOptions<T> options) =>
        SqliteWorkQueue.Create(handler, persistence, options);
}
