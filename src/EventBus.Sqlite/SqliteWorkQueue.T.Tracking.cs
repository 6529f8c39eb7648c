using System.Collections.Concurrent;

namespace EventBus.Sqlite;

/// <summary>Enqueues a tracker of the EventBus.Testing package follows: the context made at the enqueue (its id becomes
/// the row's message id) waits here until the feeder admits the row, so the handler's outcome reaches the same
/// tracker, and the item's handler sees the enqueue's causation id.</summary>
public sealed partial class SqliteWorkQueue<T>
{
    private readonly ConcurrentDictionary<Guid, EventContext> _trackedEnqueues = new();

    /// <inheritdoc />
    Delivery.DeliveryEnvironment WorkQueues.ITrackedQueue.Environment => Environment;

    /// <summary>Writes the row; with a tracker attached, first makes the enqueue's context and expects one outcome.</summary>
    private ValueTask StoreAsync(T item, string? key, CancellationToken cancellationToken) =>
        Environment.Tracking is null ? _store.EnqueueAsync(item, key, cancellationToken) : StoreTrackedAsync(item, key, cancellationToken);

    private async ValueTask StoreTrackedAsync(T item, string? key, CancellationToken cancellationToken)
    {
        var context = Environment.CreatePublishContext(item, item!.GetType(), topic: null, options: null, publish: null, Name);
        var tracker = context.Tracker!;
        tracker.Expect(1);
        _trackedEnqueues[context.Id] = context;
        var stored = false;
        try
        {
            await _store.EnqueueAsync(item, key, context.Id, cancellationToken).ConfigureAwait(false);
            stored = true;
        }
        finally
        {
            if (!stored)
            {
                _trackedEnqueues.TryRemove(context.Id, out _);
            }

            tracker.Release(notReached: stored ? 0 : 1);
        }
    }
}
