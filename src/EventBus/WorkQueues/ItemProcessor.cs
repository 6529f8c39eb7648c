using System.Runtime.CompilerServices;
using EventBus.Delivery;

namespace EventBus.WorkQueues;

/// <summary>What the item modes share: one handler call per item, with the allocation-free fast path.</summary>
internal abstract class ItemProcessor<T> : WorkProcessor<T>
{
    private readonly HandlerInvoker<T> _invoker;
    private readonly Action<T>? _syncHandler;

    protected ItemProcessor(WorkQueue<T> queue, HandlerInvoker<T> invoker)
        : base(queue)
    {
        _invoker = invoker;
        _syncHandler = invoker.SyncHandler;
    }

    /// <summary>
    /// Makes one attempt on <paramref name="item"/> and deals with the outcome.
    /// </summary>
    /// <returns>True when the item is finished for good (processed, given up, or handed back); false when a
    /// retry now owns it (in partitioned mode its key stays held). Completes synchronously when a
    /// synchronous handler succeeds.</returns>
    protected ValueTask<bool> HandleAsync(QueueWorker<T> worker, in WorkItem<T> item)
    {
        if (!TryBegin(worker, item))
        {
            return new ValueTask<bool>(true);
        }

        ValueTask pending;
        try
        {
            if (Runner.Telemetry.IsObserved)
            {
                pending = Runner.InvokeAsync(_invoker, item.Item, item.Context, (item.Failure?.Attempts ?? 0) + 1, AttemptToken(worker));
            }
            else if (_syncHandler is { } handler)
            {
                if (!HasTimeout)
                {
                    // The common case in full: no token, no attempt to time, so no ValueTask either.
                    handler(item.Item);
                    if (worker.TryReclaim())
                    {
                        Queue.OnProcessed(worker, 1);
                    }

                    return new ValueTask<bool>(true);
                }

                // A plain synchronous handler is called directly. Its attempt still starts (a timeout
                // that fires while it runs fails the attempt), though it cannot see the token.
                _ = AttemptToken(worker);
                handler(item.Item);
                pending = default;
            }
            else
            {
                pending = _invoker.InvokeAsync(item.Item, item.Context, AttemptToken(worker));
            }
        }
        catch (Exception ex)
        {
            return AfterAttemptAsync(worker, item, ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            // Consume the result so a pooled task source behind the handler's ValueTask is returned.
            pending.GetAwaiter().GetResult();
            return AfterAttemptAsync(worker, item, error: null);
        }

        return AwaitAttemptAsync(worker, item, pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitAttemptAsync(QueueWorker<T> worker, WorkItem<T> item, ValueTask pending)
    {
        Exception? error = null;
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        return await AfterAttemptAsync(worker, item, error).ConfigureAwait(false);
    }

    private ValueTask<bool> AfterAttemptAsync(QueueWorker<T> worker, in WorkItem<T> item, Exception? error)
    {
        if (!TryEnd(worker, ref error))
        {
            // A halt claimed the item while the handler ran, and has handed it back.
            return new ValueTask<bool>(true);
        }

        if (error is null)
        {
            Queue.OnProcessed(worker, 1);
            return new ValueTask<bool>(true);
        }

        return OnFailedAsync(item, error);
    }

    private ValueTask<bool> OnFailedAsync(in WorkItem<T> item, Exception error)
    {
        if (IsStopping(error))
        {
            Queue.Abandon(item);
            return new ValueTask<bool>(true);
        }

        var failure = item.Failure ?? new FailureRecord(Queue.Time.GetUtcNow());
        failure.Attempts++;
        return TryScheduleRetry(item, batch: null, failure, error)
            ? new ValueTask<bool>(false)
            : GiveUpAsync(item, error, failure);
    }

    private async ValueTask<bool> GiveUpAsync(WorkItem<T> item, Exception error, FailureRecord failure)
    {
        await FailForGoodAsync(item, error, failure.Attempts, failure.FirstFailedAt).ConfigureAwait(false);
        Queue.Release(1);
        return true;
    }
}
