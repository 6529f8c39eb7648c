using EventBus.Diagnostics;

namespace EventBus;

/// <summary>Re-driving dead letters into a work queue.</summary>
public sealed partial class WorkQueue<T>
{
    /// <summary>
    /// Enqueues the items of <paramref name="deadLetters"/> again, as new items (a fresh retry budget;
    /// the context is kept when the letter has one), waiting for space like
    /// <see cref="EnqueueAsync(T, CancellationToken)"/>. Use it with letters read from a sink of your own;
    /// the letters are not removed from anywhere.
    /// </summary>
    /// <param name="deadLetters">The dead letters; each must carry a <typeparamref name="T"/>.</param>
    /// <param name="cancellationToken">Cancels a wait for space.</param>
    /// <returns>How many items were enqueued. Letters are enqueued one by one in order, so when this throws
    /// part-way the first ones are already back in the queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deadLetters"/> is null.</exception>
    /// <exception cref="ArgumentException">A letter is null or does not carry a <typeparamref name="T"/>.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">See <see cref="EnqueueAsync(T, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException">A wait for space was cancelled.</exception>
    public async ValueTask<int> RedriveAsync(IEnumerable<DeadLetter> deadLetters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        var count = 0;
        foreach (var letter in deadLetters)
        {
            if (letter?.Message is not T item)
            {
                throw new ArgumentException(
                    $"Dead letter {count} does not carry a {typeof(T).Name} and cannot be re-driven into '{Name}'.", nameof(deadLetters));
            }

            await EnqueueCoreAsync(CreateWorkItem(item, letter.Context), cancellationToken).ConfigureAwait(false);
            count++;
        }

        if (count > 0)
        {
            Log.Redriven(Environment.Logger, Name, count);
        }

        return count;
    }

    /// <summary>
    /// Takes this queue's letters out of its <see cref="DeadLetters"/> queue (those whose
    /// <see cref="DeadLetter.Source"/> is <see cref="Name"/> and that carry a <typeparamref name="T"/>) and
    /// enqueues them again, as by <see cref="RedriveAsync"/>. Letters of other sources stay where they are.
    /// </summary>
    /// <param name="cancellationToken">Cancels a wait for space.</param>
    /// <returns>How many items were re-driven.</returns>
    /// <remarks>When enqueueing fails part-way, the letters not yet re-driven are written back to the
    /// dead-letter queue (at its end) before the exception propagates, so none is lost.</remarks>
    /// <exception cref="InvalidOperationException">The dead-letter sink is not a <see cref="DeadLetterQueue"/>.</exception>
    /// <exception cref="ObjectDisposedException">The queue was completed or disposed.</exception>
    /// <exception cref="EventBusFullException">See <see cref="EnqueueAsync(T, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException">A wait for space was cancelled.</exception>
    public async ValueTask<int> RedriveDeadLettersAsync(CancellationToken cancellationToken = default)
    {
        var sink = DeadLetters ?? throw new InvalidOperationException(
            $"The dead-letter sink of '{Name}' is not a {nameof(DeadLetterQueue)}; read the letters from it and call {nameof(RedriveAsync)}.");
        var letters = sink.TakeAll(IsOwnDeadLetter);
        var done = 0;
        try
        {
            for (; done < letters.Count; done++)
            {
                var letter = letters[done];
                await EnqueueCoreAsync(CreateWorkItem((T)letter.Message, letter.Context), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            for (var i = done; i < letters.Count; i++)
            {
                await sink.WriteAsync(letters[i], CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }

        if (done > 0)
        {
            Log.Redriven(Environment.Logger, Name, done);
        }

        return done;
    }

    private bool IsOwnDeadLetter(DeadLetter letter) =>
        letter.Message is T && string.Equals(letter.Source, Name, StringComparison.Ordinal);
}
