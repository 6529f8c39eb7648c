using EventBus.Consumers;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>
/// A subscription whose handler runs on the publisher's thread, during the publish: the consumer
/// engine's inline lane (<c>Consumer.Inline.cs</c>). Exceptions never reach the publisher; a failed
/// event's retries run on the thread pool, and events behind it wait for them, so a one-slot
/// subscription (the default) keeps its order and its handler calls never overlap.
/// </summary>
internal sealed class InlineSubscription<T> : Subscription<T>
{
    private readonly Action<T>? _syncHandler;

    internal InlineSubscription(ISubscriptionHost host, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence)
        : base(host, invoker, options, sequence, inline: true)
    {
        _syncHandler = invoker.SyncHandler;
    }

    public override DeliveryMode Mode => DeliveryMode.Inline;

    /// <summary>The plain synchronous handler the route's fast path calls directly (only subscriptions
    /// the route lists as inline have one).</summary>
    internal Action<T> Handler => _syncHandler!;

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

    internal override ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        var mode = noWait || HandlerScope.IsInsideHandler ? WriteMode.NoWait : WriteMode.MayWait;
        var written = Consumer.DeliverInline(new WorkItem<T>(@event, context), mode, awaitHandler: !noWait, cancellationToken);
        return written.IsCompletedSuccessfully ? new ValueTask<bool>(Taken(written.Result, context)) : TakenAsync(written, context);
    }
}
