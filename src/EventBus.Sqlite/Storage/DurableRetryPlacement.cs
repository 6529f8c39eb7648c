namespace EventBus.Sqlite.Storage;

/// <summary>Who holds a failed item until its retry is due.</summary>
internal enum DurableRetryPlacement
{
    /// <summary>The consumer keeps the item (on its own timer, or retrying in place) and calls the handler again
    /// itself. The store records the attempt and the due time and keeps the row leased, so nothing else is handed
    /// out in its place; after a crash the row waits until that due time, and is handed out again then.</summary>
    KeepLease = 0,

    /// <summary>The lease ends: the row goes back to the store with its due time, and a claim hands it out again
    /// once it is due. Later items of the same partition key wait behind it. Frees the consumer's buffer during
    /// long backoffs.</summary>
    ReturnToStore = 1,
}
