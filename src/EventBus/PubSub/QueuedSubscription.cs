using EventBus.Consumers;
using EventBus.Delivery;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>
/// A subscription with its own bounded buffer and worker(s): publishers only write to the buffer, so this
/// handler's speed or failures never reach them or other subscriptions. Everything but routing is the
/// consumer engine's (<see cref="Consumer{T}"/>).
/// </summary>
/// <remarks>A publish that may not wait (synchronous, or from inside a handler) and finds the buffer full
/// joins the engine's overflow line, bounded by <see cref="SubscriptionOptions.OverflowCapacity"/>.</remarks>
internal sealed class QueuedSubscription<T>(ISubscriptionHost host, HandlerInvoker<T> invoker, SubscriptionOptions options, long sequence)
    : Subscription<T>(host, invoker, options, sequence, inline: false)
{
    public override DeliveryMode Mode => DeliveryMode.Queued;

    internal override bool TryDeliver(T @event, EventContext? context) =>
        Consumer.TryWrite(new WorkItem<T>(@event, context)) == WriteResult.Accepted;

    internal override ValueTask<bool> DeliverAsync(T @event, EventContext? context, bool noWait, CancellationToken cancellationToken)
    {
        var mode = noWait || HandlerScope.IsInsideHandler ? WriteMode.NoWait : WriteMode.MayWait;
        var written = Consumer.WriteAsync(new WorkItem<T>(@event, context), mode, cancellationToken);
        return written.IsCompletedSuccessfully ? new ValueTask<bool>(Taken(written.Result, context)) : TakenAsync(written, context);
    }
}
