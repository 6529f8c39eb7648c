namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>The event: a fact, named in the past tense, about something that already happened.</summary>
internal sealed record UserRegistered(string UserId, string UserName, string Email);
