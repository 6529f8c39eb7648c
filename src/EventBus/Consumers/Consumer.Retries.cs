namespace EventBus.Consumers;

/// <summary>The engine's retries: in place on the slot, or scheduled on a timer and put back into the buffer
/// (see the remarks of <c>Consumer.Handling.cs</c>), and giving up into the dead-letter sink.</summary>
internal sealed partial class Consumer<T>
{
    private RetrySchedule<T>? _retries;
    private Action<WorkItem<T>, Batch<T>?>? _reinjectDue;

    /// <summary>Holds an item (or batch) on a timer until its backoff has passed, then gives it to
    /// <paramref name="due"/>; at a halt the timer is cancelled and the item lost.</summary>
    internal void ScheduleRetry(in WorkItem<T> item, Batch<T>? batch, TimeSpan delay, Action<WorkItem<T>, Batch<T>?> due)
    {
        var retries = Volatile.Read(ref _retries) ?? CreateRetries();
        if (!retries.TrySchedule(item, batch, delay, due))
        {
            // Halted before the timer could be armed.
            if (batch is null)
            {
                Lose(item, DropReason.Abandoned);
            }
            else
            {
                Lose(batch, DropReason.Abandoned);
            }
        }
    }

    private void ReinjectDue(WorkItem<T> item, Batch<T>? batch)
    {
        if (_dispatch is { } dispatch)
        {
            dispatch.Reinject(item, batch);
        }
        else
        {
            Reinject(item);
        }
    }

    /// <summary>Retries on the slot, which stays busy through each backoff (see the class remarks).</summary>
    private async ValueTask<bool> RetryInPlaceAsync(ConsumerWorker<T> worker, WorkItem<T> item, Exception error, int attempt)
    {
        // The slot keeps the item through each backoff: record it for a halt to report.
        worker.Record(item);
        var type = item.Item?.GetType() ?? typeof(T);
        var firstFailedAt = Time.GetUtcNow();
        while (true)
        {
            if (Runner.RecordFailure(type, item.Context, error, attempt, mayRetry: !_halted) is not { } delay)
            {
                return _halted ? LoseAtHalt(worker, item) : await GiveUpAsync(worker, item, error, attempt, firstFailedAt).ConfigureAwait(false);
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, Time, StopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return LoseAtHalt(worker, item);
                }
            }

            if (_halted)
            {
                return LoseAtHalt(worker, item);
            }

            attempt++;
            try
            {
                await Runner.InvokeAsync(_handler!, item.Item, item.Context, attempt, StopToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
                continue;
            }

            return Succeed(worker, item, attempt);
        }
    }

    private async ValueTask<bool> GiveUpAsync(ConsumerWorker<T> worker, WorkItem<T> item, Exception error, int attempts, DateTimeOffset firstFailedAt)
    {
        if (!worker.End(item))
        {
            return true;
        }

        await DeadLetterAsync(item, error, attempts, firstFailedAt).ConfigureAwait(false);
        return true;
    }

    private RetrySchedule<T> CreateRetries()
    {
        var created = new RetrySchedule<T>(this);
        return Interlocked.CompareExchange(ref _retries, created, null) ?? created;
    }
}
