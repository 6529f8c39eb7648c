namespace EventBus.Sqlite.Storage;

/// <summary>What an operation sees while its batch's transaction is open: the prepared statements and the
/// batch's clock reading. Writer thread only.</summary>
internal sealed class StoreSession(StoreCommands commands)
{
    internal StoreCommands Commands { get; } = commands;

    /// <summary>The store's time when this attempt of the batch started, in stored form (Unix ms).</summary>
    internal long Now { get; set; }
}
