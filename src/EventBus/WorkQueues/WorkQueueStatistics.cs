namespace EventBus;

/// <summary>A snapshot of a work queue's counters since it was created.</summary>
/// <param name="Processed">Items whose handler completed successfully (each counted once, whatever the attempt).</param>
/// <param name="FailedAttempts">Handler attempts that threw or timed out (a failed batch attempt counts once).</param>
/// <param name="Retried">Retries scheduled after a failed attempt.</param>
/// <param name="DeadLettered">Items given up on and sent to the dead-letter sink.</param>
/// <param name="Dropped">Items dropped by the full mode, rejected by <see cref="BufferFullMode.Fail"/> or a full
/// overflow, or dropped after failing when <see cref="WorkQueueOptions{T}.DeadLetterFailedItems"/> is off.</param>
/// <param name="Abandoned">Items left unhandled when a drain deadline passed or the queue was disposed
/// without draining; each was handed back (see <see cref="WorkQueueDrainResult{T}.AbandonedItems"/>).</param>
public readonly record struct WorkQueueStatistics(
    long Processed,
    long FailedAttempts,
    long Retried,
    long DeadLettered,
    long Dropped,
    long Abandoned);
