namespace EventBus.Sqlite.Storage.Operations;

/// <summary>The consumer gave up: the row moves to the dead-letter table, with this last attempt counted.</summary>
internal sealed class DeadLetterOperation<T>(SqliteItemStore<T> store, DurableItem<T> item, string errorType, string errorMessage)
    : ItemOutcomeOperation<T>(store, item)
{
    protected override int ExecuteOutcome(StoreSession session) =>
        MoveToDeadLetters(session, Item.Id, extraAttempts: 1, SqliteDeadLetterReasons.HandlerFailed, errorType, errorMessage);

    protected override void Applied() => ItemStoreBase.Counted(ref Store.Counters.DeadLettered);

    /// <summary>Copies a row to the dead letters and deletes it; returns the rows moved (0 when it is gone).</summary>
    internal static int MoveToDeadLetters(StoreSession session, long id, int extraAttempts, string reason, string? errorType, string? errorMessage)
    {
        var copy = session.Commands.CopyToDeadLetters;
        StoreCommands.Bind(copy, id, extraAttempts, session.Now, reason, errorType, errorMessage);
        if (copy.ExecuteNonQuery() == 0)
        {
            return 0;
        }

        var delete = session.Commands.DeleteAny;
        StoreCommands.Bind(delete, id);
        return delete.ExecuteNonQuery();
    }
}
