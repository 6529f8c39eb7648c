using System.Collections.Concurrent;
using EventBus.Consumers;
using EventBus.Sqlite.Storage;
using Microsoft.Extensions.Logging;

namespace EventBus.Sqlite.Consuming;

/// <summary>
/// Where the engine's outcomes meet the store: the items the engine holds (by the context each carries), and what
/// becomes of each row when the engine decides an item's fate. The engine counts; this only writes.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Delivered</b>: the row is deleted (acknowledged).</item>
/// <item><b>A scheduled retry</b>: the failed attempt, its exception and the due time are stored, the lease kept (the
/// engine's timer holds the item), so that after a crash the row waits for that due time still.</item>
/// <item><b>Dead-lettered</b>: through the engine's dead-letter sink (this object), which has the exception: the row
/// moves to the dead-letter table. The worker waits for that commit.</item>
/// <item><b>Lost</b> at a stop: an item no handler was called with in this process goes back to the store as it was
/// (released: the next start hands it out unflagged); one whose handler was called (it may be running still, or have
/// finished just as the stop claimed it, or wait for a retry) keeps its lease, so that the next start hands it out
/// flagged as redelivered. Dropped after failing (<see cref="WorkQueueOptions{T}.DeadLetterFailedItems"/> off): deleted.</item>
/// </list>
/// <para>The store takes one outcome per item at a time; a write waits for the item's previous one (a recorded
/// failure whose retry came due before its commit). Store writes never run user code, and a failed one leaves the row
/// leased: safe, because the next start redelivers it.</para>
/// </remarks>
internal sealed class DurableOutcomes<T> : ConsumerObserver<T>, IDeadLetterSink
{
    private readonly IDurableItemStore<T> _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<EventContext, Delivery<T>> _deliveries = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentQueue<T> _abandoned = new();
    private readonly ConcurrentDictionary<Guid, EventContext>? _trackedEnqueues;
    private int _writes;
    private TaskCompletionSource? _idle;

    internal DurableOutcomes(IDurableItemStore<T> store, TimeProvider time, ILogger logger, ConcurrentDictionary<Guid, EventContext>? trackedEnqueues = null)
    {
        _trackedEnqueues = trackedEnqueues;
        _store = store;
        _time = time;
        _logger = logger;
    }

    private enum Outcome
    {
        Acknowledge,
        Release,
        RecordFailure,
        DeadLetter,
    }

    /// <summary>Items abandoned so far, for the drain result: they stay in the file.</summary>
    internal T[] Abandoned => [.. _abandoned];

    /// <summary>Registers a claimed item and builds what the feeder offers the engine: the item with a context whose
    /// id is the row's message id, carrying the redelivered flag and the attempt number, and, for an item that failed
    /// in an earlier run, its failure history, so that the retry policy counts every attempt across restarts.</summary>
    /// <remarks>An item enqueued in this run while a tracker was attached keeps that enqueue's settlement and causation id.</remarks>
    internal WorkItem<T> Admit(DurableItem<T> item)
    {
        EventContext? enqueued = null;
        _trackedEnqueues?.TryRemove(item.MessageId, out enqueued);
        var context = new EventContext(item.MessageId, item.EnqueuedAt, item.Item!.GetType())
        {
            Redelivered = item.Redelivered,
            DeliveryAttempt = item.Attempts + 1,
            CausationId = enqueued?.CausationId,
            Tracker = enqueued?.Tracker,
        };
        _deliveries[context] = new Delivery<T>(item, context);
        var work = new WorkItem<T>(item.Item, context);
        return item.Attempts == 0
            ? work
            : work.WithFailure(new FailureRecord(item.FirstFailedAt ?? _time.GetUtcNow(), context) { Attempts = item.Attempts });
    }

    /// <summary>The engine did not take an admitted item (its intake closed): the row goes back as it was.</summary>
    internal void Withdraw(in WorkItem<T> work)
    {
        if (Take(work.Context) is { } delivery)
        {
            Write(delivery, Outcome.Release);
        }
    }

    /// <summary>A claimed item the feeder never offered: the row goes back as it was.</summary>
    internal void Release(DurableItem<T> item) => Write(new Delivery<T>(item, context: null), Outcome.Release);

    /// <summary>A handler is about to be called with the item of <paramref name="context"/>: marks it started.</summary>
    /// <returns>The context of this attempt: the hand-out's for its first attempt, a copy with the attempt's number after.</returns>
    internal EventContext BeginAttempt(EventContext context)
    {
        if (!_deliveries.TryGetValue(context, out var delivery))
        {
            return context;
        }

        var attempt = ++delivery.Attempt;

        // Published before the handler runs: a halt that claims the item reads it (see Delivery.Started).
        Volatile.Write(ref delivery.Started, 1);
        return attempt == context.DeliveryAttempt
            ? context
            : new EventContext(context.Id, context.Timestamp, context.EventType)
            {
                Topic = context.Topic,
                CorrelationId = context.CorrelationId,
                Headers = context.Headers,
                TraceContext = context.TraceContext,
                Redelivered = context.Redelivered,
                DeliveryAttempt = attempt,
            };
    }

    /// <summary>Completes once no store write started by this object is still running.</summary>
    internal async Task WhenIdleAsync()
    {
        while (Volatile.Read(ref _writes) > 0)
        {
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _idle, idle);
            if (Volatile.Read(ref _writes) == 0)
            {
                return;
            }

            await idle.Task.ConfigureAwait(false);
        }
    }

    internal override void OnDelivered(in WorkItem<T> item)
    {
        if (Take(item.Context) is { } delivery)
        {
            Write(delivery, Outcome.Acknowledge);
        }
    }

    internal override void OnRetryScheduled(in WorkItem<T> item, int failedAttempts, DateTimeOffset due, Exception error)
    {
        if (item.Context is { } context && _deliveries.TryGetValue(context, out var delivery))
        {
            Write(delivery, Outcome.RecordFailure, error, due);
        }
    }

    internal override void OnLost(in WorkItem<T> item, DropReason reason)
    {
        if (reason == DropReason.Abandoned)
        {
            _abandoned.Enqueue(item.Item);
        }

        if (Take(item.Context) is not { } delivery)
        {
            return;
        }

        if (reason == DropReason.HandlerFailed)
        {
            // Failed for good on a queue told not to keep failures: counted and reported as dropped by the engine.
            Write(delivery, Outcome.Acknowledge);
        }
        else if (Volatile.Read(ref delivery.Started) == 0)
        {
            Write(delivery, Outcome.Release);
        }

        // Otherwise a handler had the item: its lease stays, and the next start redelivers it, flagged.
    }

    /// <summary>The engine's dead-letter sink: the row moves to the dead-letter table; the worker waits for the commit.
    /// A failure here is reported by the engine (<see cref="DeliveryErrorKind.DeadLetterSinkFailed"/>).</summary>
    ValueTask IDeadLetterSink.WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken) =>
        Take(deadLetter.Context) is { } delivery
            ? new ValueTask(Write(delivery, Outcome.DeadLetter, deadLetter.Exception))
            : default;

    private Delivery<T>? Take(EventContext? context) =>
        context is not null && _deliveries.TryRemove(context, out var delivery) ? delivery : null;

    private Task Write(Delivery<T> delivery, Outcome outcome, Exception? error = null, DateTimeOffset due = default)
    {
        Interlocked.Increment(ref _writes);
        var previous = delivery.Pending;
        var write = previous is null || previous.IsCompleted
            ? Start(delivery.Item, outcome, error, due)
            : AfterAsync(previous, delivery.Item, outcome, error, due);
        delivery.Pending = write;
        _ = ObserveAsync(write, delivery.Item, outcome);
        return write;
    }

    private async Task AfterAsync(Task previous, DurableItem<T> item, Outcome outcome, Exception? error, DateTimeOffset due)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Reported where it happened; the row is leased again, ready for this outcome.
        }

        await Start(item, outcome, error, due).ConfigureAwait(false);
    }

    private Task Start(DurableItem<T> item, Outcome outcome, Exception? error, DateTimeOffset due)
    {
        try
        {
            return outcome switch
            {
                Outcome.Acknowledge => _store.AcknowledgeAsync(item).AsTask(),
                Outcome.Release => _store.ReleaseAsync(item).AsTask(),
                Outcome.RecordFailure => _store.RecordFailureAsync(item, error!, due, DurableRetryPlacement.KeepLease).AsTask(),
                _ => _store.DeadLetterAsync(item, error!).AsTask(),
            };
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private async Task ObserveAsync(Task write, DurableItem<T> item, Outcome outcome)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e) when (outcome != Outcome.DeadLetter)
        {
            SqliteLog.OutcomeNotStored(_logger, e, OutcomeName(outcome), item.Id, _store.QueueName);
        }
        catch (Exception)
        {
            // The engine awaits a dead letter's write and reports its failure itself.
        }
        finally
        {
            if (Interlocked.Decrement(ref _writes) == 0)
            {
                Volatile.Read(ref _idle)?.TrySetResult();
            }
        }
    }

    private static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Acknowledge => "acknowledgement",
        Outcome.Release => "release",
        _ => "failed attempt",
    };
}
