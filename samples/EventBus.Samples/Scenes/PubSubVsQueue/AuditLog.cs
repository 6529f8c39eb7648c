using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>Subscriber: keeps a record of every ticket opened.</summary>
internal sealed class AuditLog(TicketBoard board, ScenePace pace) : IEventHandler<SupportTicket>
{
    public const string Name = "audit-log";

    public async ValueTask HandleAsync(SupportTicket @event, EventContext context, CancellationToken cancellationToken)
    {
        await pace.TickAsync(cancellationToken);
        board.Record(Name, @event);
    }
}
