using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>The inventory service's own data: stock per item.</summary>
internal sealed class Warehouse
{
    private readonly ConcurrentDictionary<string, int> _stock = new(StringComparer.Ordinal);

    public Warehouse(IReadOnlyDictionary<string, int> initialStock)
    {
        foreach (var (sku, quantity) in initialStock)
        {
            _stock[sku] = quantity;
        }
    }

    public IReadOnlyDictionary<string, int> Stock => new Dictionary<string, int>(_stock, StringComparer.Ordinal);

    public void Take(string sku, int quantity) => _stock.AddOrUpdate(sku, -quantity, (_, left) => left - quantity);

    public void PutBack(string sku, int quantity) => _stock.AddOrUpdate(sku, quantity, (_, left) => left + quantity);
}
