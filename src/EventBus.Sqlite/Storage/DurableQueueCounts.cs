namespace EventBus.Sqlite.Storage;

/// <summary>A queue's rows at one moment (one read transaction).</summary>
/// <param name="Ready">Not leased and due now (they may still wait behind an earlier item of their key).</param>
/// <param name="Waiting">Not leased and due later: retries returned to the store.</param>
/// <param name="Leased">Held by this process: handed out and not yet settled.</param>
/// <param name="DeadLetters">In the dead-letter table.</param>
internal readonly record struct DurableQueueCounts(long Ready, long Waiting, long Leased, long DeadLetters)
{
    /// <summary>Rows still to be processed: everything but the dead letters.</summary>
    internal long Pending => Ready + Waiting + Leased;
}
