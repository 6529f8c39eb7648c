using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// The orchestrator's memory: the status of each order's saga, and a signal when it ends. In
/// production this is a table, so a restarted process picks up sagas where they stood.
/// </summary>
internal sealed class SagaStore
{
    private readonly ConcurrentDictionary<string, OrderPlaced> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SagaStatus> _status = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SagaStatus>> _finished = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, SagaStatus> Statuses => _status;

    /// <summary>Starts a saga for the order and remembers what later steps need (amount, card, items).</summary>
    public void Start(OrderPlaced order)
    {
        _orders[order.OrderId] = order;
        Set(order.OrderId, SagaStatus.AwaitingInventory);
    }

    public OrderPlaced Order(string orderId) => _orders[orderId];

    public void Set(string orderId, SagaStatus status)
    {
        _status[orderId] = status;
        if (status is SagaStatus.Completed or SagaStatus.Compensated)
        {
            Signal(orderId).TrySetResult(status);
        }
    }

    /// <summary>Completes when the order's saga has shipped it or undone it.</summary>
    public Task<SagaStatus> WhenFinishedAsync(string orderId) => Signal(orderId).Task;

    private TaskCompletionSource<SagaStatus> Signal(string orderId) =>
        _finished.GetOrAdd(orderId, static _ => new TaskCompletionSource<SagaStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
}
