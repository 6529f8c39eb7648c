using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>Where every consumer, subscriber or agent, writes down the tickets it handled.</summary>
internal sealed class TicketBoard
{
    private readonly ConcurrentQueue<Pickup> _pickups = new();

    public IReadOnlyList<Pickup> Pickups => [.. _pickups];

    public void Record(string consumer, SupportTicket ticket) => _pickups.Enqueue(new Pickup(consumer, ticket.Number));
}
