namespace EventBus.Sqlite.Storage;

/// <summary>
/// The seam between a durable queue's storage and the consumer engine that runs its handlers. The engine
/// owns buffering, workers, retry timing, partition scheduling and the lifecycle; the store owns what is on
/// disk. A feeder loop moves due items from the store into the engine's bounded buffer as space frees
/// (<see cref="ClaimAsync"/>, then <see cref="WaitForClaimableAsync"/> when the store had fewer than asked), and
/// the engine reports each item's outcome back: delivered (<see cref="AcknowledgeAsync"/>), a failed attempt
/// with a retry due (<see cref="RecordFailureAsync"/>), given up (<see cref="DeadLetterAsync"/>), or never
/// started and handed back at a stop (<see cref="ReleaseAsync"/>).
/// </summary>
/// <remarks>
/// <para>Threading: every member may be called from any thread, concurrently. Calls are queued to the
/// database's single writer thread and share its transactions (group commit); a returned task completes
/// after the commit that contains the call, and always asynchronously (never on the writer thread, never
/// inline in the caller), so a continuation may call the store again. No member runs user code (handlers,
/// callbacks) or blocks the caller on I/O; item serialization runs on the caller's thread.</para>
/// <para>Leases: an item handed out by <see cref="ClaimAsync"/> is leased until one ending outcome commits.
/// Outcomes for an item must come one at a time, from whoever holds it; a second ending outcome, or an
/// item of another store, is refused at the call. Nothing times a lease out: the process that owns the
/// database holds its items until it reports on them or stops. After a stop without an outcome (a crash, or
/// a dispose), the next open hands the item out again with <see cref="DurableItem{T}.Redelivered"/> set.</para>
/// <para>Order: claims hand items out in enqueue order (among the items that are due). An item with a
/// partition key is not handed out while an earlier item of the same key is leased or waiting for its retry
/// in the store, so at most one item per key is out at a time and per-key order holds across retries and
/// restarts.</para>
/// </remarks>
internal interface IDurableItemStore<T>
{
    /// <summary>The queue's name: its rows in the database carry it.</summary>
    string QueueName { get; }

    /// <summary>Items handed out and not yet settled: what the engine holds. A snapshot.</summary>
    int LeasedCount { get; }

    /// <summary>Leases up to <paramref name="maxCount"/> due items, oldest first.</summary>
    /// <param name="maxCount">The free space in the engine's buffer.</param>
    /// <param name="cancellationToken">Observed before the claim is queued; a claim that was queued completes,
    /// because its rows are leased in the same commit.</param>
    /// <returns>Between 0 and <paramref name="maxCount"/> items, in enqueue order. Rows that cannot be read
    /// (broken JSON, unknown schema version, failed upcast) are dead-lettered in the same transaction, counted,
    /// and not returned; they never stop the rows after them.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1 or greater than
    /// <see cref="SqliteStorageOptions.MaxBatchSizeLimit"/>.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    ValueTask<IReadOnlyList<DurableItem<T>>> ClaimAsync(int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Waits until a claim may find items it did not find before: a commit of this store that added
    /// or unblocked rows (an enqueue, an acknowledgement, a release, a dead letter, a re-drive, a failure
    /// returned to the store), the due time of the earliest waiting retry, or the poll interval (which picks up
    /// rows committed by other connections: the outbox). A wake-up may find nothing; the feeder then waits
    /// again. Wake-ups that happen while nobody waits are remembered (one is enough).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task WaitForClaimableAsync(CancellationToken cancellationToken = default);

    /// <summary>The handler succeeded: the row is deleted.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ArgumentException">The item was handed out by another store.</exception>
    /// <exception cref="InvalidOperationException">The item's lease already ended, or another outcome for it is
    /// being written.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    ValueTask AcknowledgeAsync(DurableItem<T> item);

    /// <summary>An attempt failed and a retry is scheduled: the attempt count (plus one), the due time, the first
    /// failure time and the exception's type and message are stored. With <see cref="DurableRetryPlacement.KeepLease"/>
    /// the engine keeps the item and must report another outcome for it later; with
    /// <see cref="DurableRetryPlacement.ReturnToStore"/> the lease ends and a claim hands the row out again when due.</summary>
    /// <param name="item">The leased item; its <see cref="DurableItem{T}.Attempts"/> is updated once committed.</param>
    /// <param name="error">The attempt's exception.</param>
    /// <param name="retryAt">When the next attempt is due, on the store's clock.</param>
    /// <param name="placement">Who holds the item until then.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> or <paramref name="error"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="placement"/> is not defined.</exception>
    /// <exception cref="ArgumentException">The item was handed out by another store.</exception>
    /// <exception cref="InvalidOperationException">The item's lease already ended, or another outcome for it is
    /// being written.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    ValueTask RecordFailureAsync(DurableItem<T> item, Exception error, DateTimeOffset retryAt, DurableRetryPlacement placement);

    /// <summary>The engine gave up on the item: the row moves to the dead-letter table with
    /// <see cref="SqliteDeadLetterReasons.HandlerFailed"/>, the exception's type and message, and the attempts
    /// including this last one.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> or <paramref name="error"/> is null.</exception>
    /// <exception cref="ArgumentException">The item was handed out by another store.</exception>
    /// <exception cref="InvalidOperationException">The item's lease already ended, or another outcome for it is
    /// being written.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    ValueTask DeadLetterAsync(DurableItem<T> item, Exception error);

    /// <summary>The item was not processed and no handler is running it (for example, still buffered when the
    /// engine stopped): the lease ends without counting an attempt or flagging a redelivery, and the row is
    /// handed out again (first, being the oldest) by the next claim.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ArgumentException">The item was handed out by another store.</exception>
    /// <exception cref="InvalidOperationException">The item's lease already ended, or another outcome for it is
    /// being written.</exception>
    /// <exception cref="ObjectDisposedException">The database was disposed (the task faults).</exception>
    ValueTask ReleaseAsync(DurableItem<T> item);
}
