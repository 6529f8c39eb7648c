namespace EventBus.WorkQueues;

/// <summary>Reduces an item to the partition it belongs to, without knowing the key type at the call site.</summary>
/// <remarks>Generic over the key so value-type keys are never boxed; the key itself is not kept, only its
/// hash, which is enough for ordering (equal keys always share a partition).</remarks>
internal abstract class PartitionKeySelector<T>
{
    internal abstract int GetPartition(T item);
}

/// <summary>The key selector and comparer given to <see cref="WorkQueueOptions{T}.PartitionBy{TKey}"/>.</summary>
internal sealed class PartitionKeySelector<T, TKey>(Func<T, TKey> selector, IEqualityComparer<TKey> comparer) : PartitionKeySelector<T>
{
    internal override int GetPartition(T item)
    {
        var key = selector(item);
        return key is null ? 0 : comparer.GetHashCode(key);
    }
}
