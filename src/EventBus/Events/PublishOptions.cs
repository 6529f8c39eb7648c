namespace EventBus;

/// <summary>Per-publish settings: topic, correlation id and headers. Immutable once built, so an
/// instance can be cached and reused across publishes.</summary>
public sealed class PublishOptions
{
    /// <summary>The topic to publish on ("user-events"). Subscriptions with this topic and
    /// subscriptions without a topic receive the event.</summary>
    /// <value>The default is <see langword="null"/>: only subscriptions without a topic receive it.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? Topic
    {
        get;
        init
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Topic));
            }

            field = value;
        }
    }

    /// <summary>A correlation id carried in the event's <see cref="EventContext"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? CorrelationId { get; init; }

    /// <summary>Headers carried in the event's <see cref="EventContext"/>.</summary>
    /// <value>The default is <see langword="null"/> (no headers).</value>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>True when these options carry something only an <see cref="EventContext"/> can hold (a
    /// correlation id or headers): the publish then creates a context even if no handler asked for one,
    /// so dead letters, drop reports and error reports keep what the publisher passed.</summary>
    internal bool CarriesContext => CorrelationId is not null || Headers is { Count: > 0 };

    /// <summary>Options that publish on <paramref name="topic"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <returns>New options.</returns>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is null, empty or whitespace.</exception>
    public static PublishOptions ForTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return new PublishOptions { Topic = topic };
    }
}
