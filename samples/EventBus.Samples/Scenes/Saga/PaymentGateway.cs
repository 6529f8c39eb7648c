using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>The payment service's view of the card network. One test card is always declined.</summary>
internal sealed class PaymentGateway
{
    public const string DeclinedCard = "4000 0000 0000 0002";

    private readonly ConcurrentDictionary<string, decimal> _charges = new(StringComparer.Ordinal);

    /// <summary>The amount charged per order.</summary>
    public IReadOnlyDictionary<string, decimal> Charges => new Dictionary<string, decimal>(_charges, StringComparer.Ordinal);

    public bool TryCharge(string orderId, string card, decimal amount)
    {
        if (card == DeclinedCard)
        {
            return false;
        }

        _charges[orderId] = amount;
        return true;
    }
}
