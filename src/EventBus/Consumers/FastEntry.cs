namespace EventBus.Consumers;

/// <summary>What <see cref="ConsumerWorker{T}.TryEnterFast"/> found.</summary>
internal enum FastEntry
{
    /// <summary>The fast path is not open to this thread now: take <see cref="Consumer{T}.DeliverInline"/>.</summary>
    NotEntered,

    /// <summary>The caller holds the lane: call the handler, then <see cref="ConsumerWorker{T}.ExitFast"/> or <see cref="Consumer{T}.FailFast"/>.</summary>
    Entered,

    /// <summary>A halt claimed the event while the caller backed off: it is accepted and lost (counted, reported).</summary>
    Done,
}
