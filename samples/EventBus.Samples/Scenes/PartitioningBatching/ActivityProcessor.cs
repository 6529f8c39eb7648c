using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>The work-queue handler: applies one activity to the user's session. Some users' work takes longer than others'.</summary>
internal sealed class ActivityProcessor(ActivityLog log, ScenePace pace) : IWorkItemHandler<UserActivity>
{
    public async ValueTask HandleAsync(UserActivity item, EventContext context, CancellationToken cancellationToken)
    {
        log.Started(item);
        for (var tick = 0; tick < PartitioningBatchingScene.TicksFor(item.UserId); tick++)
        {
            await pace.TickAsync(cancellationToken);
        }

        log.Finished(item);
    }
}
