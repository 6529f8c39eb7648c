using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>The order service's own data: each order's status as the customer sees it.</summary>
internal sealed class OrderBook
{
    private readonly ConcurrentDictionary<string, string> _status = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Statuses => new Dictionary<string, string>(_status, StringComparer.Ordinal);

    public void Set(string orderId, string status) => _status[orderId] = status;
}
