namespace EventBus.Internal;

/// <summary>Hands out a small dense integer per event type, once per process, so publish finds its routes with an array
/// load (<c>routes[TypeIndex&lt;T&gt;.Value]</c>) instead of a dictionary keyed by <see cref="Type"/>.</summary>
internal static class TypeIndex
{
    private static int s_next = -1;

    internal static int Next() => Interlocked.Increment(ref s_next);
}

/// <summary>The per-type facts the publish path needs, computed once per closed generic type.</summary>
internal static class TypeIndex<T>
{
    internal static readonly int Value = TypeIndex.Next();

    /// <summary>True when a value typed <typeparamref name="T"/> is always exactly a <typeparamref name="T"/> at run
    /// time (a struct, or a sealed class that is not an array), so publish can skip the type check.</summary>
    internal static readonly bool IsExact = typeof(T).IsValueType || (typeof(T).IsSealed && !typeof(T).IsArray);
}
