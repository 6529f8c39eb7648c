using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

/// <summary>Every log line the library writes, with stable event ids. Payloads are never logged: only the event type
/// and id, the subscription or queue name, and the attempt.</summary>
internal static partial class Log
{
    internal const string CategoryName = "EventBus";

    [LoggerMessage(EventId = 1001, EventName = "HandlerFailed", Level = LogLevel.Warning,
        Message = "Handler of {Source} failed on attempt {Attempt} for {EventType} {EventId}; retrying in {RetryDelayMs} ms")]
    internal static partial void HandlerFailedWillRetry(
        ILogger logger, Exception exception, string source, int attempt, string eventType, Guid? eventId, double retryDelayMs);

    [LoggerMessage(EventId = 1002, EventName = "DeadLettered", Level = LogLevel.Error,
        Message = "Handler of {Source} failed {Attempts} time(s) for {EventType} {EventId}; dead-lettered")]
    internal static partial void DeadLettered(ILogger logger, Exception exception, string source, int attempts, string eventType, Guid? eventId);

    [LoggerMessage(EventId = 1003, EventName = "DeadLetterSinkFailed", Level = LogLevel.Critical,
        Message = "The dead-letter sink of {Source} failed to store {EventType} {EventId}; the dead letter exists only in this log and the error callback")]
    internal static partial void DeadLetterSinkFailed(ILogger logger, Exception exception, string source, string eventType, Guid? eventId);

    [LoggerMessage(EventId = 1004, EventName = "EventDropped", Level = LogLevel.Debug,
        Message = "{Source} dropped {EventType} {EventId}: {Reason}")]
    internal static partial void EventDropped(ILogger logger, string source, string eventType, Guid? eventId, DropReason reason);

    [LoggerMessage(EventId = 1005, EventName = "EventLost", Level = LogLevel.Warning,
        Message = "{Source} did not handle {EventType} {EventId}: {Reason}")]
    internal static partial void EventLost(ILogger logger, string source, string eventType, Guid? eventId, DropReason reason);

    [LoggerMessage(EventId = 1006, EventName = "CallbackFailed", Level = LogLevel.Error,
        Message = "The {Callback} callback threw while reporting on {Source}")]
    internal static partial void CallbackFailed(ILogger logger, Exception exception, string callback, string source);

    [LoggerMessage(EventId = 1007, EventName = "Drained", Level = LogLevel.Information,
        Message = "{Owner} drained in {ElapsedMs} ms: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned}")]
    internal static partial void Drained(
        ILogger logger, string owner, double elapsedMs, long delivered, long deadLettered, long dropped, long abandoned);

    [LoggerMessage(EventId = 1008, EventName = "DrainDeadlineExceeded", Level = LogLevel.Warning,
        Message = "{Owner} hit its drain deadline after {ElapsedMs} ms: delivered {Delivered}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned}")]
    internal static partial void DrainDeadlineExceeded(
        ILogger logger, string owner, double elapsedMs, long delivered, long deadLettered, long dropped, long abandoned);

    [LoggerMessage(EventId = 1009, EventName = "UncountedItems", Level = LogLevel.Critical,
        Message = "{Owner} halted with {Count} accepted items that no outcome counted and nothing can still finish: counted as abandoned so its stop completes. This is a defect of EventBus; please report it")]
    internal static partial void UncountedItems(ILogger logger, string owner, long count);

    // 1100-1199: work queues.

    [LoggerMessage(EventId = 1101, EventName = "WorkQueueStarted", Level = LogLevel.Debug,
        Message = "Work queue {Queue} started: {WorkerCount} worker(s), capacity {Capacity}, {Mode} mode, {Guarantee}")]
    internal static partial void WorkQueueStarted(
        ILogger logger, string queue, int workerCount, int capacity, string mode, DeliveryGuarantee guarantee);

    [LoggerMessage(EventId = 1102, EventName = "BatchIsolating", Level = LogLevel.Warning,
        Message = "A batch of {BatchSize} {ItemType} in {Queue} failed {Attempts} time(s); trying its items one by one to isolate the failing ones")]
    internal static partial void BatchIsolating(ILogger logger, string queue, int batchSize, string itemType, int attempts);

    [LoggerMessage(EventId = 1103, EventName = "AttemptTimedOut", Level = LogLevel.Warning,
        Message = "The handler of {Queue} ran past its timeout of {TimeoutMs} ms for {ItemType}; the attempt counts as failed")]
    internal static partial void AttemptTimedOut(ILogger logger, string queue, double timeoutMs, string itemType);

    [LoggerMessage(EventId = 1104, EventName = "Redriven", Level = LogLevel.Information,
        Message = "{Count} dead letter(s) re-driven into {Queue}")]
    internal static partial void Redriven(ILogger logger, string queue, int count);

    [LoggerMessage(EventId = 1105, EventName = "StopCallbackFailed", Level = LogLevel.Error,
        Message = "A cancellation callback registered by a handler of {Queue} threw while the queue was stopping")]
    internal static partial void StopCallbackFailed(ILogger logger, Exception exception, string queue);
}
