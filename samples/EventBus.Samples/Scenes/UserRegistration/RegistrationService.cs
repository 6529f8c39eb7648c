namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>
/// The producer. It registers a user and announces the fact on the <c>user-events</c> topic; it does
/// not know who listens, and it does not change when a new listener is added.
/// </summary>
internal sealed class RegistrationService(IEventBus bus)
{
    public const string Topic = "user-events";

    // A typed publisher resolves its route once; a producer keeps it for its lifetime.
    private readonly IPublisher<UserRegistered> _publisher = bus.GetPublisher<UserRegistered>(Topic);

    public async Task<UserRegistered> RegisterAsync(string userId, string userName, string email, CancellationToken cancellationToken)
    {
        // ... the user would be stored here; then the fact is announced.
        var registered = new UserRegistered(userId, userName, email);
        await _publisher.PublishAsync(registered, cancellationToken);
        return registered;
    }
}
