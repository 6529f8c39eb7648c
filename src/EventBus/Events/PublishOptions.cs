namespace EventBus;

/// <summary>Per-publish settings: topic, correlation id, headers, and the id and time of an event relayed from
/// elsewhere. Immutable, so an instance can be reused (but one with an <see cref="Id"/> names one event).</summary>
public sealed class PublishOptions
{
    /// <summary>The topic to publish on ("user-events"). Subscriptions with this topic and subscriptions without a
    /// topic receive the event.</summary>
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

    /// <summary>The event's <see cref="EventContext.Id"/>, for an event that already has one: a message relayed
    /// from a broker or an outbox keeps its sender's id, so handlers that deduplicate on it see a redelivery as
    /// the same event.</summary>
    /// <value>The default is <see langword="null"/>: a new time-ordered id per publish.</value>
    /// <exception cref="ArgumentException">The value is <see cref="Guid.Empty"/>.</exception>
    public Guid? Id
    {
        get;
        init
        {
            if (value == Guid.Empty)
            {
                throw new ArgumentException("An event id cannot be Guid.Empty.", nameof(Id));
            }

            field = value;
        }
    }

    /// <summary>The event's <see cref="EventContext.Timestamp"/>, for an event relayed from elsewhere: when it
    /// happened, not when it was published here.</summary>
    /// <value>The default is <see langword="null"/>: the bus's <see cref="TimeProvider"/> at the publish.</value>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The event's <see cref="EventContext.CausationId"/>, for an event that was caused elsewhere: a bridge
    /// relays the id of the message whose handler published it in the sending process.</summary>
    /// <value>The default is <see langword="null"/>: the bus sets it itself, to the item being handled when the publish
    /// comes from inside a handler. A value given here wins over that one.</value>
    public Guid? CausationId { get; init; }

    /// <summary>A correlation id carried in the event's <see cref="EventContext"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? CorrelationId { get; init; }

    /// <summary>Headers carried in the event's <see cref="EventContext"/>.</summary>
    /// <value>The default is <see langword="null"/> (no headers).</value>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Called once when every subscription this publish reached has finished with the event (handled,
    /// dead-lettered, dropped, or let go when it stopped), with a <see cref="PublishSettlement"/> that counts each
    /// outcome: how a caller learns that queued handlers are done, which the publish does not wait for.</summary>
    /// <value>The default is <see langword="null"/>: nobody is told.</value>
    /// <remarks>It runs on the thread of whichever subscription finishes last (a consumer loop, a retry, or the
    /// publisher's thread when every target is inline or none matched), so keep it short: complete a
    /// <see cref="TaskCompletionSource{TResult}"/> made with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>.
    /// An exception it throws is logged and reported to <see cref="EventBusOptions.OnError"/>; a handler that never
    /// returns holds the settlement back. Setting it makes the publish create an <see cref="EventContext"/>.</remarks>
    public Action<PublishSettlement>? OnSettled { get; init; }

    /// <summary>True when these options carry something only an <see cref="EventContext"/> can hold, so the publish
    /// creates one even if no handler asked (dead letters and reports keep what the publisher passed).</summary>
    internal bool CarriesContext =>
        CorrelationId is not null || Headers is { Count: > 0 } || OnSettled is not null || Id is not null || Timestamp is not null
        || CausationId is not null;

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
