using System.Collections.Concurrent;

namespace EventBus.PubSub;

/// <summary>
/// The routes of events published as <typeparamref name="T"/>: the common one (run-time type
/// exactly <typeparamref name="T"/>, no topic) in a field, the rest (derived run-time types,
/// topics) in a dictionary that publish reads without locking.
/// </summary>
internal sealed class TypeRoutes<T>
{
    private readonly InProcessEventBus _bus;
    private readonly ConcurrentDictionary<(Type RuntimeType, string? Topic), Route<T>> _others = new();

    internal TypeRoutes(InProcessEventBus bus, Route<T> exact)
    {
        _bus = bus;
        Exact = exact;
        IsExact = Internal.TypeIndex<T>.IsExact;
    }

    /// <summary><see cref="Internal.TypeIndex{T}.IsExact"/>, kept here so publish reads a field instead of
    /// a generic static (a run-time lookup in code shared by all reference types).</summary>
    internal bool IsExact { get; }

    /// <summary>The route of events whose run-time type is exactly <typeparamref name="T"/>, without topic.</summary>
    internal Route<T> Exact { get; }

    /// <summary>Finds (or creates, once) the route for a run-time type and topic.</summary>
    internal Route<T> Get(Type runtimeType, string? topic)
    {
        if (topic is null && runtimeType == typeof(T))
        {
            return Exact;
        }

        return _others.TryGetValue((runtimeType, topic), out var route) ? route : _bus.CreateRoute(this, runtimeType, topic);
    }

    /// <summary>Looks up an existing route; called under the bus's lock by <see cref="InProcessEventBus.CreateRoute{T}"/>.</summary>
    internal bool TryGetExisting(Type runtimeType, string? topic, out Route<T> route) =>
        _others.TryGetValue((runtimeType, topic), out route!);

    internal void Add(Route<T> route) => _others[(route.RuntimeType, route.Topic)] = route;
}
