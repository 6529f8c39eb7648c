namespace EventBus.DependencyInjection.Internal;

/// <summary>A handler class the container creates for each event or item: what the start-up check resolves.</summary>
internal interface IHandlerClass
{
    /// <summary>The handler class, registered in the container.</summary>
    Type HandlerType { get; }

    /// <summary>What it does, for messages: "handler of OrderPlaced", "handler of work queue 'payments'".</summary>
    string Role { get; }

    /// <summary>The registration's own filters (<see cref="HandlerFilterList"/>), in order; the global ones are not included.</summary>
    IReadOnlyList<Type> Filters { get; }
}
