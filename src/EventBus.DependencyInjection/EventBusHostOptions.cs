namespace EventBus;

/// <summary>
/// How the Generic Host starts the event bus registered by <c>AddEventBus</c>. Configure it with
/// <c>services.Configure&lt;EventBusHostOptions&gt;(o => ...)</c>.
/// </summary>
public sealed class EventBusHostOptions
{
    /// <summary>
    /// Whether every handler class registered with <c>AddHandler</c> or <c>AddWorkQueue</c> is resolved
    /// once, in a scope of its own, when the host starts, so that a missing dependency stops the start
    /// with an <see cref="InvalidOperationException"/> naming the handler and the service, instead of
    /// failing every event later (retried, then dead-lettered).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    /// <remarks>Turn it off when creating a handler has effects that must not happen at start-up, or costs
    /// too much to do once more. Without a host (a bare service provider), no check runs.</remarks>
    public bool CheckHandlersOnStart { get; set; } = true;
}
