using System.Collections;

namespace EventBus.Internal;

/// <summary>A set that enumerates in insertion order, with constant-time add and remove (a bus's live
/// subscriptions: unsubscribing one of 100,000 costs what unsubscribing one of ten does). Not thread-safe.</summary>
internal sealed class OrderedSet<T> : IEnumerable<T>
    where T : class
{
    private readonly LinkedList<T> _items = new();
    private readonly Dictionary<T, LinkedListNode<T>> _nodes = new(ReferenceEqualityComparer.Instance);

    internal int Count => _items.Count;

    internal void Add(T item) => _nodes.Add(item, _items.AddLast(item));

    internal bool Remove(T item)
    {
        if (!_nodes.Remove(item, out var node))
        {
            return false;
        }

        _items.Remove(node);
        return true;
    }

    public LinkedList<T>.Enumerator GetEnumerator() => _items.GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
