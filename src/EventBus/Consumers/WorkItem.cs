namespace EventBus.Consumers;

/// <summary>An item as it travels through a consumer (an event of a subscription, an item of a work queue):
/// the payload, its context (when one was made), its partition, and its failure history once a scheduled
/// retry needs one.</summary>
internal readonly struct WorkItem<T>(T item, EventContext? context, int partition = 0, FailureRecord? failure = null)
{
    internal readonly T Item = item;
    internal readonly EventContext? Context = context;
    internal readonly int Partition = partition;

    /// <summary>Null until the first failed attempt; a retried item always has one.</summary>
    internal readonly FailureRecord? Failure = failure;

    internal WorkItem<T> WithFailure(FailureRecord failure) => new(Item, Context, Partition, failure);
}
