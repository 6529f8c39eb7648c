using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

internal sealed record PubSubVsQueueResult(
    IReadOnlyList<SupportTicket> Tickets,
    IReadOnlyList<string> Subscribers,
    IReadOnlyList<string> Agents,
    IReadOnlyList<Pickup> Pickups,
    BusReport Bus,
    WorkQueueStatistics Queue) : SceneResult
{
    public override string Outcome =>
        $"pub/sub: {Subscribers.Count} subscribers x {Tickets.Count} tickets = {Handled(Subscribers)} handlings; " +
        $"queue: {Tickets.Count} tickets, {Handled(Agents)} handlings, shared by {Agents.Count(a => TicketsOf(a).Count > 0)} agents";

    /// <summary>The tickets a consumer handled, in the order it handled them.</summary>
    public IReadOnlyList<int> TicketsOf(string consumer) =>
        [.. Pickups.Where(p => p.Consumer == consumer).Select(static p => p.Ticket)];

    private int Handled(IReadOnlyList<string> consumers) => Pickups.Count(p => consumers.Contains(p.Consumer));
}
