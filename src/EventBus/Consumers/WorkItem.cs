using System.Runtime.CompilerServices;

namespace EventBus.Consumers;

/// <summary>An item as it travels through a consumer (an event of a subscription, an item of a work queue):
/// the payload, its context (when one was made), its partition, and its failure history once a scheduled
/// retry needs one.</summary>
/// <remarks>Two references, not three: the failure history, which only a retried item has, keeps the
/// context and takes its place. Every copy into and out of a buffer costs one write barrier per reference.</remarks>
internal readonly struct WorkItem<T>
{
    internal readonly T Item;
    internal readonly int Partition;
    private readonly object? _extra;

    internal WorkItem(T item, EventContext? context, int partition = 0)
    {
        Item = item;
        _extra = context;
        Partition = partition;
    }

    private WorkItem(T item, FailureRecord failure, int partition)
    {
        Item = item;
        _extra = failure;
        Partition = partition;
    }

    internal EventContext? Context => _extra is FailureRecord failure ? failure.Context : Unsafe.As<EventContext?>(_extra);

    /// <summary>Null until the first failed attempt; a retried item always has one.</summary>
    internal FailureRecord? Failure => _extra as FailureRecord;

    /// <summary>The item as a scheduled retry carries it (<paramref name="failure"/> keeps its context).</summary>
    internal WorkItem<T> WithFailure(FailureRecord failure) => new(Item, failure, Partition);
}
