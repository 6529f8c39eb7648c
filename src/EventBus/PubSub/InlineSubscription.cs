using System.Diagnostics;
using System.Runtime.CompilerServices;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>
/// A subscription whose handler runs on the publisher's thread, during the publish. No buffer, so
/// no backpressure and no drops; exceptions are caught here and never reach the publisher, and
/// retries run on the thread pool so the publisher is never held up by a backoff.
/// </summary>
internal sealed class InlineSubscription<T> : Subscription<T>
{
    private readonly Action<T>? _syncHandler;
    private PendingCounter _pending;

    // Counted without a locked instruction on the publisher's thread (see StripedCounter).
    private StripedCounter _delivered;
    private volatile bool _halted;
    private volatile bool _deadlinePassed;
    private DropReason _haltReason = DropReason.Abandoned;

    internal InlineSubscription(InProcessEventBus bus, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence)
        : base(bus, invoker, options, sequence)
    {
        _syncHandler = invoker.SyncHandler;
    }

    public override DeliveryMode Mode => DeliveryMode.Inline;

    public override int PendingCount => 0;

    protected override long DeliveredCount => _delivered.Sum();

    /// <summary>The plain synchronous handler the route's fast path calls directly (only subscriptions
    /// the route lists as inline have one).</summary>
    internal Action<T> Handler => _syncHandler!;

    /// <summary>Set once the subscription stopped: a publish that still reaches it reports the event instead.</summary>
    internal bool IsHalted => _halted;

    /// <summary>Counts a successful delivery made on the calling thread, numbered <paramref name="threadIndex"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountDelivered(int threadIndex) => _delivered.Increment(threadIndex);

    public override void AddTo<TRoute>(RouteSnapshot<TRoute>.Builder builder)
    {
        if (typeof(TRoute) == typeof(T) && _syncHandler is not null)
        {
            builder.AddInline((InlineSubscription<TRoute>)(object)this);
        }
        else
        {
            base.AddTo(builder);
        }
    }

    /// <summary>The fast path for a plain synchronous handler of exactly <typeparamref name="T"/>.</summary>
    internal void InvokeInline(T @event, EventContext? context)
    {
        if (_halted)
        {
            LoseRacingPublish(@event, context);
            return;
        }

        if (Environment.Telemetry.ProcessObserved)
        {
            // With noWait the delivery never stays pending: an async handler finishes in the background.
            var delivery = DeliverAsync(@event, context, noWait: true, CancellationToken.None);
            Debug.Assert(delivery.IsCompleted, "A no-wait inline delivery completes synchronously.");
            _ = delivery.IsCompleted && delivery.Result;
            return;
        }

        try
        {
            _syncHandler!(@event);
        }
        catch (Exception ex)
        {
            RetryLater(@event, context, ex);
            return;
        }

        _delivered.Increment();
        SettleHandled(context);
    }

    internal override ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        if (_halted)
        {
            LoseRacingPublish(@event, context);
            return new ValueTask<bool>(true);
        }

        ValueTask pending;
        try
        {
            pending = Environment.Telemetry.ProcessObserved
                ? Runner.InvokeAsync(@event, context, attempt: 1, StopToken)
                : Invoker.InvokeAsync(@event, context, StopToken);
        }
        catch (Exception ex)
        {
            RetryLater(@event, context, ex);
            return new ValueTask<bool>(true);
        }

        if (pending.IsCompletedSuccessfully)
        {
            _delivered.Increment();
            SettleHandled(context);
            return new ValueTask<bool>(true);
        }

        if (pending.IsCompleted)
        {
            // Completed since the check above. A failure (the traced invocation returns it in its task
            // rather than throwing) is retried off the publisher's stack like a thrown one, not awaited
            // here, which would run the retries, backoff and all, inside Publish.
            if (FailureOf(pending) is { } failure)
            {
                RetryLater(@event, context, failure);
            }
            else
            {
                _delivered.Increment();
                SettleHandled(context);
            }

            return new ValueTask<bool>(true);
        }

        if (noWait)
        {
            // A synchronous publish does not wait for an async handler; the handler finishes on its own.
            _pending.Increment();
            _ = FinishInBackgroundAsync(pending, @event, context);
            return new ValueTask<bool>(true);
        }

        return AwaitHandlerAsync(pending, @event, context);
    }

    /// <summary>A publish that read its route before this subscription stopped reached it afterwards:
    /// the publisher counts the event as accepted, so it is reported, not skipped in silence.</summary>
    internal void LoseRacingPublish(T @event, EventContext? context) => Lose(@event, context, _haltReason);

    private async ValueTask<bool> AwaitHandlerAsync(ValueTask pending, T @event, EventContext? context)
    {
        try
        {
            await pending.ConfigureAwait(false);
            _delivered.Increment();
            SettleHandled(context);
        }
        catch (Exception ex)
        {
            RetryLater(@event, context, ex);
        }

        return true;
    }

    private async Task FinishInBackgroundAsync(ValueTask pending, T @event, EventContext? context)
    {
        try
        {
            await pending.ConfigureAwait(false);
            _delivered.Increment();
            SettleHandled(context);
        }
        catch (Exception ex)
        {
            await RetryAsync(@event, context, ex).ConfigureAwait(false);
            return;
        }
        finally
        {
            _pending.Decrement();
        }
    }

    /// <summary>The failure of a completed call, or null when it succeeded (read once: a pooled task may
    /// not be read twice).</summary>
    private static Exception? FailureOf(ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>Moves a failed inline delivery off the publisher's thread for its retries.</summary>
    internal void RetryLater(T @event, EventContext? context, Exception error)
    {
        _pending.Increment();
        _ = Task.Run(async () =>
        {
            try
            {
                await RetryAsync(@event, context, error).ConfigureAwait(false);
            }
            finally
            {
                _pending.Decrement();
            }
        });
    }

    private async Task RetryAsync(T @event, EventContext? context, Exception error)
    {
        var outcome = await Runner.ContinueAfterFailureAsync(@event, context, error, 1, StopToken).ConfigureAwait(false);
        switch (outcome)
        {
            case DeliveryOutcome.Delivered:
                _delivered.Increment();
                SettleHandled(context);
                break;
            case DeliveryOutcome.DeadLettered:
                SettleDeadLettered(context);
                break;
            case DeliveryOutcome.Abandoned:
                // At a deadline the drain counted every pending delivery already.
                Lose(@event, context, _haltReason, count: !_deadlinePassed);
                break;
        }
    }

    protected override async Task<long> DrainCoreAsync(CancellationToken deadline)
    {
        try
        {
            // Not halted: a publish that got past the bus's closed check before the drain began
            // still runs its inline handlers, as it would have a moment earlier.
            await _pending.WhenZero().WaitAsync(deadline).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _deadlinePassed = true;
            var left = Math.Max(0, _pending.Count);
            CountAbandoned(left);
            HaltCore(DropReason.Abandoned, waitForRunningHandlers: false);
            return left;
        }
    }

    protected override void HaltCore(DropReason reason, bool waitForRunningHandlers)
    {
        _haltReason = reason;
        _halted = true;
        CancelStop();
    }
}
