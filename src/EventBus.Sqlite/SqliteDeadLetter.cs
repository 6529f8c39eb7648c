using System.Text;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite;

/// <summary>
/// A row of a durable queue's dead-letter table: an item whose handler failed on every attempt, or a row that could
/// not be read, with its payload exactly as stored. Read them with <see cref="SqliteWorkQueue{T}.ReadDeadLettersAsync"/>
/// and put them back in line with <see cref="SqliteWorkQueue{T}.RedriveDeadLettersAsync(CancellationToken)"/>.
/// </summary>
public sealed class SqliteDeadLetter
{
    internal SqliteDeadLetter(DurableDeadLetter row)
    {
        Id = row.Id;
        MessageId = row.MessageId;
        PartitionKey = row.PartitionKey;
        SchemaVersion = row.SchemaVersion;
        Payload = Encoding.UTF8.GetString(row.Payload);
        EnqueuedAt = row.EnqueuedAt;
        Attempts = row.Attempts;
        FirstFailedAt = row.FirstFailedAt;
        DeadLetteredAt = row.DeadLetteredAt;
        Reason = row.Reason;
        ExceptionType = row.ExceptionType;
        ExceptionMessage = row.ExceptionMessage;
        Redeliveries = row.Redeliveries;
    }

    /// <summary>The dead letter's id in the table: pass it to <see cref="SqliteWorkQueue{T}.RedriveDeadLettersAsync(IReadOnlyCollection{long}, CancellationToken)"/>.</summary>
    public long Id { get; }

    /// <summary>The item's id, given at enqueue and kept through retries, restarts and re-drives: the
    /// <see cref="EventContext.Id"/> its handler saw.</summary>
    public Guid MessageId { get; }

    /// <summary>The item's partition key, or <see langword="null"/>.</summary>
    public string? PartitionKey { get; }

    /// <summary>The schema version the item was written with.</summary>
    public int SchemaVersion { get; }

    /// <summary>The item as stored: UTF-8 JSON (possibly the broken JSON that made it unreadable).</summary>
    public string Payload { get; }

    /// <summary>When the item was first enqueued.</summary>
    public DateTimeOffset EnqueuedAt { get; }

    /// <summary>How many attempts failed (0 for a row that could not be read).</summary>
    public int Attempts { get; }

    /// <summary>When the first attempt failed, or <see langword="null"/> when none was made.</summary>
    public DateTimeOffset? FirstFailedAt { get; }

    /// <summary>When the item was moved to the dead letters.</summary>
    public DateTimeOffset DeadLetteredAt { get; }

    /// <summary>Why: one of <see cref="SqliteDeadLetterReasons"/>.</summary>
    public string Reason { get; }

    /// <summary>The full name of the last attempt's exception type, or of the reader's error; <see langword="null"/> when there was none.</summary>
    public string? ExceptionType { get; }

    /// <summary>The last exception's message (at most 4,000 characters), or what made the row unreadable.</summary>
    public string? ExceptionMessage { get; }

    /// <summary>How many times the item was handed out again after a stop that left it unsettled.</summary>
    public int Redeliveries { get; }

    /// <inheritdoc />
    public override string ToString() => $"dead letter {Id} ({Reason}): {ExceptionType}: {ExceptionMessage}";
}
