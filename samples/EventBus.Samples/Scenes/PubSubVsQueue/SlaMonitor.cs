using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>Subscriber: starts the response-time clock of every ticket.</summary>
internal sealed class SlaMonitor(TicketBoard board, ScenePace pace) : IEventHandler<SupportTicket>
{
    public const string Name = "sla-monitor";

    public async ValueTask HandleAsync(SupportTicket @event, EventContext context, CancellationToken cancellationToken)
    {
        await pace.TickAsync(cancellationToken);
        board.Record(Name, @event);
    }
}
