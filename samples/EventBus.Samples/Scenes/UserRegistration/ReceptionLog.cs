using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.UserRegistration;

/// <summary>Where the three consumers write down what they did, so the scene can show it. A singleton:
/// the handlers themselves live for one event each.</summary>
internal sealed class ReceptionLog
{
    private readonly ConcurrentQueue<Reception> _receptions = new();

    public IReadOnlyList<Reception> Receptions => [.. _receptions];

    public void Add(string consumer, UserRegistered user, EventContext context, string action) =>
        _receptions.Enqueue(new Reception(consumer, user.UserId, context.Id, context.Timestamp, context.Topic, action));
}
