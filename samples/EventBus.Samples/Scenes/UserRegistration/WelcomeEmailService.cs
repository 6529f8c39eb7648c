namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>Consumer: sends the new user a welcome email.</summary>
internal sealed class WelcomeEmailService(ReceptionLog log) : IEventHandler<UserRegistered>
{
    public const string Name = "email-service";

    public ValueTask HandleAsync(UserRegistered @event, EventContext context, CancellationToken cancellationToken)
    {
        log.Add(Name, @event, context, $"sent a welcome email to {@event.Email}");
        return ValueTask.CompletedTask;
    }
}
