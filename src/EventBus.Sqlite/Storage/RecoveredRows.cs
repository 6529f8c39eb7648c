namespace EventBus.Sqlite.Storage;

/// <summary>What opening a database found of a queue's rows that were leased when its last owner stopped.</summary>
/// <param name="InFlight">Rows that were leased: all were returned to the store.</param>
/// <param name="Redelivered">Of those, rows whose handler may have been running (due at the stop): they are
/// handed out again with the redelivered flag. The others were waiting for a retry whose time had not come,
/// and wait for it still.</param>
internal readonly record struct RecoveredRows(long InFlight, long Redelivered);
