using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>Subscriber: shows the open tickets on the wall screen.</summary>
internal sealed class SupportDashboard(TicketBoard board, ScenePace pace) : IEventHandler<SupportTicket>
{
    public const string Name = "dashboard";

    public async ValueTask HandleAsync(SupportTicket @event, EventContext context, CancellationToken cancellationToken)
    {
        await pace.TickAsync(cancellationToken);
        board.Record(Name, @event);
    }
}
