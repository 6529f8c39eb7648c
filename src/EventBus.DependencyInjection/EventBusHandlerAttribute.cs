namespace EventBus;

/// <summary>
/// Settings for a handler class that the generated <c>AddEventBusHandlers()</c> registers: an
/// <see cref="IEventHandler{TEvent}"/> becomes a subscription (<c>AddHandler</c>), an
/// <see cref="IWorkItemHandler{T}"/> a work queue (<c>AddWorkQueue</c>). A setting left out keeps the
/// option's own default. Values are checked when the project compiles (diagnostic EVB005).
/// </summary>
/// <remarks>A class that handles several types gets these settings for each of them. The attribute is
/// read at compile time only and is not inherited.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EventBusHandlerAttribute : Attribute
{
    /// <summary>The subscription's name (<see cref="SubscriptionOptions.Name"/>); for a work queue, the
    /// queue's name, which makes it a named queue injected with <c>[FromKeyedServices(name)]</c>.</summary>
    /// <value>The default is <see langword="null"/>: the class's name for a subscription, an unnamed queue.</value>
    public string? Name { get; set; }

    /// <summary>The topic subscribed to (<see cref="SubscriptionOptions.Topic"/>); event handlers only.</summary>
    /// <value>The default is <see langword="null"/>: every event of the type, whatever its topic.</value>
    public string? Topic { get; set; }

    /// <summary>Queued or inline (<see cref="SubscriptionOptions.Mode"/>); event handlers only.</summary>
    /// <value>The default is <see cref="DeliveryMode.Queued"/>.</value>
    public DeliveryMode Mode { get; set; }

    /// <summary>The buffer's capacity (<see cref="SubscriptionOptions.Capacity"/>, <see cref="WorkQueueOptions{T}.Capacity"/>).</summary>
    /// <value>The default is <see cref="SubscriptionOptions.DefaultCapacity"/> (1024).</value>
    public int Capacity { get; set; } = SubscriptionOptions.DefaultCapacity;

    /// <summary>What a publish or enqueue does when the buffer is full (<see cref="SubscriptionOptions.FullMode"/>,
    /// <see cref="WorkQueueOptions{T}.FullMode"/>).</summary>
    /// <value>The default is <see cref="BufferFullMode.Wait"/>.</value>
    public BufferFullMode FullMode { get; set; }

    /// <summary>How many calls run at the same time: <see cref="SubscriptionOptions.MaxConcurrency"/> for an
    /// event handler, <see cref="WorkQueueOptions{T}.WorkerCount"/> for a work-item handler.</summary>
    /// <value>The default is 0: the option's own default (1 for a subscription, the processor count for a queue).</value>
    public int Concurrency { get; set; }

    /// <summary>How many times a failed call is retried before the message is dead-lettered
    /// (<see cref="RetryPolicy.MaxRetries"/>; the rest of <see cref="RetryPolicy.Default"/> is kept).</summary>
    /// <value>The default is 3.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The handler's own filters (<see cref="IHandlerFilter"/> classes), outermost first:
    /// <c>Filters = [typeof(TenantFilter), typeof(TransactionFilter)]</c>. The generated registration adds them with
    /// <see cref="HandlerFilterList.Add{TFilter}"/>, inside the bus's global filters (<c>AddFilter</c>), for every type the
    /// class handles, subscription or work queue.</summary>
    /// <value>The default is <see langword="null"/>: no filters of its own (the global ones still apply).</value>
    /// <remarks>The array's order is the pipeline's order; a type listed twice keeps its first place. Each entry must be a
    /// concrete, non-generic class that implements <see cref="IHandlerFilter"/>, has a public constructor and can be named
    /// from the project's own code, or the project does not compile (diagnostics EVB010 to EVB012).</remarks>
    public Type[]? Filters { get; set; }

    /// <summary>Leaves the class out of <c>AddEventBusHandlers()</c>, to register it by hand
    /// (<c>AddHandler</c>, <c>AddWorkQueue</c>) with settings an attribute cannot hold.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Exclude { get; set; }
}
