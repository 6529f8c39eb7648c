namespace EventBus.Samples.Scenes.Durability;

/// <summary>One row of the queue's table: an item not done yet. <see cref="Leased"/>: the process that owns the file has
/// taken it (into its buffer or a handler). <see cref="Redeliveries"/>: how many times it was handed out again after a
/// crash.</summary>
internal sealed record QueueRow(int Order, Guid MessageId, bool Leased, int Attempts, int Redeliveries);
