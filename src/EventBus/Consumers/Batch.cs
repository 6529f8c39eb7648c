using System.Collections;

namespace EventBus.Consumers;

/// <summary>
/// A batch of work items, and the read-only view of it that the batch handler receives. Pooled: the
/// handler must not keep the list after its task completes (documented on the factory).
/// </summary>
/// <remarks>
/// The view is the window <c>[Offset, Offset + Count)</c> of the items: the whole batch for a batch attempt,
/// one item at a time while a failed batch is being isolated. Items before <see cref="Offset"/> are finished;
/// items from <see cref="Offset"/> on are still owned by whoever holds the batch.
/// </remarks>
internal sealed class Batch<T> : IReadOnlyList<T>
{
    private readonly WorkItem<T>[] _items;
    private int _length;

    internal Batch(int capacity) => _items = new WorkItem<T>[capacity];

    /// <summary>How many items the batch holds.</summary>
    internal int Size { get; private set; }

    /// <summary>The first item that is not finished, and the start of the handler's view.</summary>
    internal int Offset { get; private set; }

    internal bool IsFull => Size == _items.Length;

    /// <summary>Null until the batch's first failed attempt; a retried batch always has one.</summary>
    internal FailureRecord? Failure { get; set; }

    /// <inheritdoc />
    public int Count => _length;

    /// <inheritdoc />
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_length)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _items[Offset + index].Item;
        }
    }

    internal ref readonly WorkItem<T> ItemAt(int index) => ref _items[index];

    internal void Add(in WorkItem<T> item) => _items[Size++] = item;

    /// <summary>Shows the handler every item not yet finished.</summary>
    internal void ViewAll()
    {
        Offset = 0;
        _length = Size;
    }

    /// <summary>Shows the handler the single item at <paramref name="index"/>; earlier items are finished.</summary>
    internal void ViewOne(int index)
    {
        Offset = index;
        _length = 1;
    }

    /// <summary>Marks every item finished (before the batch is returned to the pool or dropped).</summary>
    internal void Clear()
    {
        Array.Clear(_items, 0, Size);
        Size = 0;
        Offset = 0;
        _length = 0;
        Failure = null;
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < _length; i++)
        {
            yield return _items[Offset + i].Item;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
