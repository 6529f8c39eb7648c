namespace EventBus.HealthChecks.Internal;

/// <summary>One consumer (a subscription or a work queue) as one check read it.</summary>
/// <param name="Identity">The subscription or queue object: what ties readings of one consumer together.</param>
/// <param name="Label">How the result's data names it: "subscription 'name'" or "work queue 'name'".</param>
/// <param name="Pending">Messages waiting or being handled: work it still has to finish.</param>
/// <param name="Buffered">Messages in its buffer (and overflow), compared with <paramref name="Capacity"/>.</param>
/// <param name="Capacity">Its buffer's capacity (an inline subscription's holds the events that find its lane taken).</param>
/// <param name="Finished">Messages it finished in any way so far: a change means progress.</param>
/// <param name="DeadLettered">Messages it dead-lettered so far.</param>
internal readonly record struct ConsumerSample(object Identity, string Label, int Pending, int Buffered, int Capacity, long Finished, long DeadLettered);
