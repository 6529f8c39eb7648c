namespace EventBus.Samples.Scenes.Saga;

/// <summary>One message of one order's saga.</summary>
/// <param name="OrderId">The saga it belongs to.</param>
/// <param name="Step">Its place in the saga, from the step header: causal order, not arrival order.</param>
/// <param name="Message">The message type's name.</param>
/// <param name="IsCommand">A command (a request) rather than an event (a fact).</param>
/// <param name="Producer">Who published it.</param>
/// <param name="EventId">Its id.</param>
/// <param name="CausationId">The id of the message that caused it; null for the first.</param>
/// <param name="CorrelationId">The saga's correlation id.</param>
internal sealed record TimelineEntry(
    string OrderId, int Step, string Message, bool IsCommand, string Producer, Guid EventId, Guid? CausationId, string? CorrelationId);
