namespace EventBus.Sqlite.Storage;

/// <summary>What a database's writer did since the database was opened.</summary>
/// <param name="Transactions">Committed transactions.</param>
/// <param name="Operations">Operations in them (enqueues, outcomes, claims, reads).</param>
/// <param name="LargestBatch">The most operations one transaction carried: above 1 when callers shared a commit.</param>
/// <param name="BusyRetries">Transactions retried because another connection held the database busy or locked.</param>
/// <param name="BusyTimeouts">Transactions given up after <see cref="SqliteStorageOptions.BusyTimeout"/>.</param>
/// <param name="FailedTransactions">Transactions that failed for another reason (their operations faulted).</param>
internal readonly record struct DatabaseStatistics(
    long Transactions,
    long Operations,
    int LargestBatch,
    long BusyRetries,
    long BusyTimeouts,
    long FailedTransactions);
