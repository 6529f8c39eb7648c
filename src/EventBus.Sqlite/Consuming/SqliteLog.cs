using Microsoft.Extensions.Logging;

namespace EventBus.Sqlite.Consuming;

/// <summary>The durable queue's log messages (event ids 4001-4099); payloads are never logged.</summary>
internal static partial class SqliteLog
{
    [LoggerMessage(EventId = 4001, EventName = "DurableQueueOpened", Level = LogLevel.Information,
        Message = "Durable work queue {Queue} opened on {Path}: {InFlight} items were in flight at the last stop, {Redelivered} of them are handed out again as redelivered")]
    internal static partial void Opened(ILogger logger, string queue, string path, long inFlight, long redelivered);

    [LoggerMessage(EventId = 4002, EventName = "DurableOutcomeNotStored", Level = LogLevel.Warning,
        Message = "The {Outcome} of item {ItemId} of durable work queue {Queue} could not be stored; the row stays leased and is handed out again, as redelivered, at the next start")]
    internal static partial void OutcomeNotStored(ILogger logger, Exception exception, string outcome, long itemId, string queue);

    [LoggerMessage(EventId = 4003, EventName = "DurableClaimFailed", Level = LogLevel.Warning,
        Message = "Durable work queue {Queue} could not read items from its database; it tries again after the poll interval")]
    internal static partial void ClaimFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 4004, EventName = "DurableDeadLettersRedriven", Level = LogLevel.Information,
        Message = "{Count} dead letters of durable work queue {Queue} were put back in line")]
    internal static partial void Redriven(ILogger logger, string queue, int count);
}
