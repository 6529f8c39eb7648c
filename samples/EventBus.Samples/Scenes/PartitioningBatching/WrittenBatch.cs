namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>One batch the store wrote: its items, how long its oldest item had waited, and whether the queue was draining.</summary>
internal sealed record WrittenBatch(int Number, IReadOnlyList<int> Items, TimeSpan OldestWaited, bool DuringDrain)
{
    public int Size => Items.Count;
}
