namespace EventBus;

/// <summary>Why an accepted or offered event did not reach its handler.</summary>
public enum DropReason
{
    /// <summary>The buffer was full under <see cref="BufferFullMode.DropOldest"/>; this was the oldest event.</summary>
    DroppedOldest = 0,

    /// <summary>The buffer was full under <see cref="BufferFullMode.DropNewest"/>; this was the newest buffered event.</summary>
    DroppedNewest = 1,

    /// <summary>The buffer was full under <see cref="BufferFullMode.DropWrite"/>; this event was not written.</summary>
    DroppedWrite = 2,

    /// <summary>The buffer was full and the publish could not wait (<see cref="BufferFullMode.Fail"/>, or a publish
    /// that may not wait found the overflow full too); the publisher got <see cref="EventBusFullException"/>.</summary>
    Rejected = 3,

    /// <summary>The subscription was disposed (not drained) while the event was still buffered: its handler never started.</summary>
    Unsubscribed = 4,

    /// <summary>A stop gave the event up before it was handled: a drain deadline passed, or the consumer was disposed
    /// without draining, while the event was buffered (for a bus or a queue), or while its handler ran or its retry
    /// waited (for any consumer, a disposed subscription included).</summary>
    Abandoned = 5,

    /// <summary>The handler failed for good (after its retries, or at once under
    /// <see cref="DeliveryGuarantee.AtMostOnce"/>) and <see cref="WorkQueueOptions{T}.DeadLetterFailedItems"/> is
    /// <see langword="false"/>.</summary>
    HandlerFailed = 6,
}
