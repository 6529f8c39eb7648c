namespace EventBus.PubSub;

/// <summary>An event and its context (null unless someone asked for one), as buffered in a channel.</summary>
internal readonly struct Envelope<T>(T @event, EventContext? context)
{
    internal readonly T Event = @event;
    internal readonly EventContext? Context = context;
}
