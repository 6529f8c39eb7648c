namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>Consumer: counts the signup for the growth dashboard.</summary>
internal sealed class SignupAnalyticsService(ReceptionLog log, SignupCounter counter) : IEventHandler<UserRegistered>
{
    public const string Name = "analytics-service";

    public ValueTask HandleAsync(UserRegistered @event, EventContext context, CancellationToken cancellationToken)
    {
        var total = counter.Increment();
        log.Add(Name, @event, context, $"recorded signup #{total} for {@event.UserId}");
        return ValueTask.CompletedTask;
    }
}
