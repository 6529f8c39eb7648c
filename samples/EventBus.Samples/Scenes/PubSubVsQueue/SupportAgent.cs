using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>
/// Work-queue handler: answers one ticket. The queue runs it on one of its workers, one ticket per
/// worker at a time; the help desk says which agent (worker) that is.
/// </summary>
internal sealed class SupportAgent(HelpDesk desk, TicketBoard board, ScenePace pace) : IWorkItemHandler<SupportTicket>
{
    public async ValueTask HandleAsync(SupportTicket item, EventContext context, CancellationToken cancellationToken)
    {
        var agent = await desk.ClockInAsync(cancellationToken);
        try
        {
            board.Record(agent, item);
            await pace.TickAsync(cancellationToken);
            await pace.TickAsync(cancellationToken);
        }
        finally
        {
            desk.ClockOut(agent);
        }
    }
}
