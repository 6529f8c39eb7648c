namespace EventBus.Consumers;

/// <summary>Where a failed item waits for its next attempt.</summary>
internal enum RetryPlacement
{
    /// <summary>On its worker, which waits out the backoff: later items wait behind it, so a consumer
    /// with one worker keeps its order (a subscription's choice).</summary>
    InPlace,

    /// <summary>On a timer, off any worker, which moves on at once; when the backoff has passed the item
    /// re-enters the consumer (a work queue's choice: a poison item costs only its own attempts).</summary>
    Scheduled,
}
