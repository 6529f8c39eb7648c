namespace EventBus.Consumers;

/// <summary>The settings of one consumer, read from a face's options once, at creation.</summary>
internal readonly record struct ConsumerSettings
{
    /// <summary>The name given by the user, or null (a subscription then gets a generated one).</summary>
    internal string? Name { get; init; }

    /// <summary>The buffer's capacity.</summary>
    internal int Capacity { get; init; }

    /// <summary>What a write into a full buffer does.</summary>
    internal BufferFullMode FullMode { get; init; }

    /// <summary>How many writes that may not wait can queue behind a full <see cref="BufferFullMode.Wait"/> buffer.</summary>
    internal int OverflowCapacity { get; init; }

    /// <summary>How many handler calls may run at once.</summary>
    internal int WorkerCount { get; init; }

    /// <summary>The retry policy (<see cref="RetryPolicy.None"/> for at-most-once).</summary>
    internal RetryPolicy RetryPolicy { get; init; }

    /// <summary>In place (the worker waits out the backoff: order is kept) or scheduled (a timer holds the item: the worker moves on).</summary>
    internal RetryPlacement Retries { get; init; }

    /// <summary>Whether an item that failed for good is dead-lettered (true) or dropped as <see cref="DropReason.HandlerFailed"/>.</summary>
    internal bool DeadLetterFailedItems { get; init; }

    /// <summary>How long one attempt may run, or null.</summary>
    internal TimeSpan? AttemptTimeout { get; init; }

    /// <summary>The consumer's own dead-letter sink, or null for the environment's.</summary>
    internal IDeadLetterSink? DeadLetterSink { get; init; }

    /// <summary>True to start the workers when the consumer is created; false to start them with the first item.</summary>
    internal bool StartAtOnce { get; init; }

    /// <summary>True for an inline subscription: slots are taken by publishers (see <c>Consumer.Inline.cs</c>), and
    /// loops run only while events wait in the buffer.</summary>
    internal bool Inline { get; init; }
}
