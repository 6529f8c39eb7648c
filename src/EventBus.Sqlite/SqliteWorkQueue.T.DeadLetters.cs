using EventBus.Internal;
using EventBus.Sqlite.Consuming;

namespace EventBus.Sqlite;

/// <summary>Reading and re-driving the dead letters in the file.</summary>
public sealed partial class SqliteWorkQueue<T>
{
    /// <summary>Reads this queue's dead letters from the file, oldest first, without removing them. They are
    /// there across restarts until re-driven.</summary>
    /// <param name="maxCount">The most letters to read.</param>
    /// <param name="cancellationToken">Observed before the read.</param>
    /// <returns>Up to <paramref name="maxCount"/> letters.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public async ValueTask<IReadOnlyList<SqliteDeadLetter>> ReadDeadLettersAsync(int maxCount = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();
        var rows = await _store.ReadDeadLettersAsync(maxCount).ConfigureAwait(false);
        var letters = new SqliteDeadLetter[rows.Count];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = new SqliteDeadLetter(rows[i]);
        }

        return letters;
    }

    /// <summary>
    /// Puts every dead letter of this queue back in line, in one commit: each becomes an item again at the end of the
    /// queue, due now, with a fresh retry budget and its message id, key and enqueue time kept.
    /// </summary>
    /// <param name="cancellationToken">Observed before the commit is asked for.</param>
    /// <returns>How many letters were re-driven.</returns>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public ValueTask<int> RedriveDeadLettersAsync(CancellationToken cancellationToken = default) => RedriveAsync(null, cancellationToken);

    /// <summary>Puts the chosen dead letters back in line, as <see cref="RedriveDeadLettersAsync(CancellationToken)"/>
    /// does; ids of other queues, or of letters already re-driven, are skipped.</summary>
    /// <param name="deadLetterIds">The letters' <see cref="SqliteDeadLetter.Id"/>s.</param>
    /// <param name="cancellationToken">Observed before the commit is asked for.</param>
    /// <returns>How many letters were re-driven.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deadLetterIds"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed (the task faults).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public ValueTask<int> RedriveDeadLettersAsync(IReadOnlyCollection<long> deadLetterIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetterIds);
        return RedriveAsync(deadLetterIds, cancellationToken);
    }

    private async ValueTask<int> RedriveAsync(IReadOnlyCollection<long>? ids, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_consumer.Lifecycle.IsAccepting)
        {
            throw ThrowHelper.WorkQueueClosed(Name, _disposed);
        }

        var count = await _store.RedriveDeadLettersAsync(ids).ConfigureAwait(false);
        if (count > 0)
        {
            SqliteLog.Redriven(Environment.Logger, Name, count);
        }

        return count;
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new ObjectDisposedException(Name, $"The durable work queue '{Name}' has been disposed and its database closed.");
        }
    }
}
