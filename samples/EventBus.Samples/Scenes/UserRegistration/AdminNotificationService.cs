namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>Consumer: tells the administrators that someone new joined.</summary>
internal sealed class AdminNotificationService(ReceptionLog log) : IEventHandler<UserRegistered>
{
    public const string Name = "notification-service";

    public ValueTask HandleAsync(UserRegistered @event, EventContext context, CancellationToken cancellationToken)
    {
        log.Add(Name, @event, context, $"alerted the admins: {@event.UserName} joined");
        return ValueTask.CompletedTask;
    }
}
