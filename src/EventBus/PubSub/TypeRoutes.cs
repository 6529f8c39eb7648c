using System.Collections.Concurrent;

namespace EventBus.PubSub;

/// <summary>
/// The routes of events published as <typeparamref name="T"/>: the common one (run-time type
/// exactly <typeparamref name="T"/>, no topic) in a field, the rest (derived run-time types,
/// topics) in a dictionary that publish reads without locking. The bus creates and releases them.
/// </summary>
internal sealed class TypeRoutes<T>(Route<T> exact)
{
    private readonly ConcurrentDictionary<(Type RuntimeType, string? Topic), Route<T>> _others = new();

    /// <summary><see cref="Internal.TypeIndex{T}.IsExact"/>, kept here so publish reads a field instead of
    /// a generic static (a run-time lookup in code shared by all reference types).</summary>
    internal bool IsExact { get; } = Internal.TypeIndex<T>.IsExact;

    /// <summary>The route of events whose run-time type is exactly <typeparamref name="T"/>, without topic.</summary>
    internal Route<T> Exact { get; } = exact;

    /// <summary>Looks up an existing route for a run-time type and topic.</summary>
    internal bool TryGet(Type runtimeType, string? topic, out Route<T> route)
    {
        if (topic is null && runtimeType == Exact.RuntimeType)
        {
            route = Exact;
            return true;
        }

        return _others.TryGetValue((runtimeType, topic), out route!);
    }

    /// <summary>Adds a route; called under the bus's lock.</summary>
    internal void Add(Route<T> route) => _others[(route.RuntimeType, route.Topic)] = route;

    /// <summary>Removes a released route; called under the bus's lock.</summary>
    internal void Remove(Route<T> route) => _others.TryRemove(new KeyValuePair<(Type, string?), Route<T>>((route.RuntimeType, route.Topic), route));
}
