using System.Runtime.CompilerServices;

namespace EventBus.PubSub;

/// <summary>Delivers events routed as <typeparamref name="TRoute"/> to a subscription of
/// <typeparamref name="TSubscribed"/>, a base class or interface of the event's run-time type.</summary>
/// <remarks>Routes are keyed by the event's run-time type, and this target exists only on routes
/// whose run-time type is assignable to <typeparamref name="TSubscribed"/>, so the reinterpreting
/// cast of a reference is safe. A struct event delivered to an interface subscription is boxed.</remarks>
internal sealed class CastTarget<TRoute, TSubscribed>(Subscription<TSubscribed> inner) : Target<TRoute>
{
    internal override ISubscriptionEntry Entry => inner;

    internal override bool TryDeliver(TRoute @event, EventContext? context) => inner.TryDeliver(Convert(@event), context);

    internal override ValueTask<bool> DeliverAsync(TRoute @event, EventContext? context, bool noWait, CancellationToken cancellationToken) =>
        inner.DeliverAsync(Convert(@event), context, noWait, cancellationToken);

    private static TSubscribed Convert(TRoute value) =>
        typeof(TRoute).IsValueType ? (TSubscribed)(object)value! : Unsafe.As<TRoute, TSubscribed>(ref value);
}
