namespace EventBus.WorkQueues;

/// <summary>An item as it travels through a work queue: the payload, its context (only when the handler
/// takes one), its partition, and its failure history once it has failed.</summary>
internal readonly struct WorkItem<T>(T item, EventContext? context, int partition, FailureRecord? failure = null)
{
    internal readonly T Item = item;
    internal readonly EventContext? Context = context;
    internal readonly int Partition = partition;

    /// <summary>Null until the first failed attempt; a retried item always has one.</summary>
    internal readonly FailureRecord? Failure = failure;

    internal WorkItem<T> WithFailure(FailureRecord failure) => new(Item, Context, Partition, failure);
}
