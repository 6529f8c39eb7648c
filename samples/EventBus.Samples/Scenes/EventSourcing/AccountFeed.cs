using System.Globalization;

namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// Publishes stored events to the read side. The log position and stream version travel as
/// headers, so a projection can tell a new event from one it has already applied.
/// </summary>
internal static class AccountFeed
{
    public const string Topic = "account-events";
    public const string StreamVersionHeader = "stream-version";
    public const string PositionHeader = "position";

    public static ValueTask PublishAsync(IEventBus bus, IAccountEvent @event, StoredEvent stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(stored);
        return bus.PublishAsync(@event, new PublishOptions
        {
            Topic = Topic,
            CorrelationId = stored.StreamId,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [StreamVersionHeader] = stored.StreamVersion.ToString(CultureInfo.InvariantCulture),
                [PositionHeader] = stored.Position.ToString(CultureInfo.InvariantCulture),
            },
        }, cancellationToken);
    }
}
