namespace EventBus.Internal;

/// <summary>Hands out a small dense integer per event type, once per process.</summary>
/// <remarks>
/// Publish finds its routes with <c>routes[TypeIndex&lt;T&gt;.Value]</c>: an array load instead of a
/// dictionary lookup keyed by <see cref="Type"/>. Each bus keeps its own array indexed by these
/// numbers.
/// </remarks>
internal static class TypeIndex
{
    private static int s_next = -1;

    internal static int Next() => Interlocked.Increment(ref s_next);
}

/// <summary>The per-type facts the publish path needs, computed once per closed generic type.</summary>
internal static class TypeIndex<T>
{
    /// <summary>The dense index of <typeparamref name="T"/>.</summary>
    internal static readonly int Value = TypeIndex.Next();

    /// <summary>
    /// True when a value typed <typeparamref name="T"/> can only ever be exactly a
    /// <typeparamref name="T"/> at run time (a struct, or a sealed class that is not an array), so
    /// publish can skip the run-time type check.
    /// </summary>
    internal static readonly bool IsExact = typeof(T).IsValueType || (typeof(T).IsSealed && !typeof(T).IsArray);
}
