using EventBus.DependencyInjection.Internal;

namespace EventBus;

/// <summary>
/// What an <see cref="IHandlerFilter"/> knows about the call it wraps: the message and its <see cref="EventBus.EventContext"/>,
/// the handler class and the subscription or work queue it serves, the event's dependency-injection scope and the
/// attempt's cancellation token. One context per attempt; read-only.
/// </summary>
/// <remarks>There is no property bag: a filter and the handler share the event's scope, so a scoped service that both
/// inject carries whatever the filter wants the handler to see (a tenant, a transaction), typed.</remarks>
public sealed class HandlerFilterContext
{
    /// <summary>Advanced with a compare-and-swap as the pipeline moves in, so a second call of one <c>next</c> is seen;
    /// <see cref="HandlerFilterPipeline.Completed"/> once the attempt is over.</summary>
    internal int Entered;

    private readonly HandlerFilterPipeline _pipeline;

    internal HandlerFilterContext(HandlerFilterPipeline pipeline, object message, EventContext eventContext, IServiceProvider services, CancellationToken cancellationToken)
    {
        _pipeline = pipeline;
        Message = message;
        EventContext = eventContext;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>The event or work item. A struct is boxed once per attempt for filters (the handler still gets its own copy).</summary>
    public object Message { get; }

    /// <summary>The message's id, timestamp, topic, correlation id, headers and trace context, as the handler gets them.</summary>
    public EventContext EventContext { get; }

    /// <summary>The type the handler was registered for (<c>TEvent</c> of <c>AddHandler</c>, <c>T</c> of
    /// <c>AddWorkQueue</c>); the message's run-time type, which may derive from it, is <see cref="EventContext.EventType"/>.</summary>
    public Type MessageType => _pipeline.MessageType;

    /// <summary>The handler class the call is bound for.</summary>
    public Type HandlerType => _pipeline.HandlerType;

    /// <summary>The name of the consumer: for an event, the subscription's <see cref="SubscriptionOptions.Name"/> (by
    /// default the handler class's name); for a work item, the work queue's name.</summary>
    public string ConsumerName => _pipeline.ConsumerName;

    /// <summary>Whether the message is a work item of a work queue (<c>AddWorkQueue</c>, in memory or durable) rather
    /// than a pub/sub event (<c>AddHandler</c>).</summary>
    public bool IsWorkItem => _pipeline.IsWorkItem;

    /// <summary>The event's own scope, which the handler and every filter of this attempt are resolved from and which
    /// is disposed when the attempt ends.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The token the handler gets: it fires when the subscription or queue stops at its deadline (or a work
    /// queue's per-attempt timeout passes).</summary>
    public CancellationToken CancellationToken { get; }
}
