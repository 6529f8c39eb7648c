using System.Runtime.CompilerServices;
using EventBus.Consumers;
using EventBus.Internal;

namespace EventBus.PubSub;

/// <summary>The route's inline fast path: every target an inline subscription with a plain synchronous handler.</summary>
internal sealed partial class Route<T>
{
    /// <summary>
    /// The fast path: every target is an inline subscription with a plain synchronous handler, nobody
    /// listens to telemetry, and the publisher passed no correlation id or headers. Each handler is called
    /// directly on this thread when its lane is free (see <c>Consumer.Inline.cs</c>), else the event goes
    /// through the subscription's slower inline delivery, which may wait for room behind the lane.
    /// </summary>
    /// <returns>Completes synchronously unless a taken lane's buffer made the publisher wait; faults with
    /// <see cref="EventBusFullException"/> when a subscription could not take the event.</returns>
    private static ValueTask DeliverInline(RouteSnapshot<T> snapshot, T @event, bool noWait, CancellationToken cancellationToken) =>
        snapshot.InlineCount == 1
            ? DeliverInlineToOne(snapshot, @event, noWait, cancellationToken)
            : DeliverInlineToEach(snapshot, @event, noWait, cancellationToken);

    /// <summary>The fast path with one subscriber: no loop, so the exception region costs nothing.</summary>
    private static ValueTask DeliverInlineToOne(RouteSnapshot<T> snapshot, T @event, bool noWait, CancellationToken cancellationToken)
    {
        // A route of fewer than 16 slots never holds a null one (see RouteSnapshot); checked all the same.
        if (snapshot.Inline[0] is not { } subscription)
        {
            return default;
        }

        var lane = subscription.Consumer;
        var thread = ThreadIndex.Current;
        var entry = lane.TryEnterFast(thread, @event);
        if (entry == FastEntry.Entered)
        {
            try
            {
                subscription.Handler(@event);
            }
            catch (Exception ex)
            {
                lane.FailFast(thread, @event, ex);
                return default;
            }

            lane.ExitFast(thread, @event);
            return default;
        }

        return entry == FastEntry.Done ? default : DeliverInlineToEach(snapshot, @event, noWait, cancellationToken);
    }

    /// <summary>The fast path over several subscribers (see <see cref="CallFastFrom"/>).</summary>
    private static ValueTask DeliverInlineToEach(RouteSnapshot<T> snapshot, T @event, bool noWait, CancellationToken cancellationToken)
    {
        var subscriptions = snapshot.Inline;
        var count = snapshot.InlineCount;
        var thread = ThreadIndex.Current;
        var next = 0;
        InlineSubscription<T>? at = null;
        List<string>? refused = null;
        while (true)
        {
            // The handler calls run in a loop without an exception region, so the JIT keeps its state in
            // registers; a handler that throws lands here with next and at on its subscription. (The array
            // is not read again: a subscription leaving meanwhile clears its slot.)
            int stopped;
            try
            {
                stopped = CallFastFrom(subscriptions, count, ref next, ref at, thread, @event);
            }
            catch (Exception ex)
            {
                at!.Consumer.FailFast(thread, @event, ex);
                next++;
                continue;
            }

            if (stopped == count)
            {
                break;
            }

            var subscription = at!;
            var delivery = subscription.DeliverAsync(@event, context: null, noWait, cancellationToken);
            if (!delivery.IsCompletedSuccessfully)
            {
                return ContinueAsync(delivery, subscription, snapshot, stopped, @event, null, noWait, refused, cancellationToken);
            }

            if (!delivery.Result)
            {
                (refused ??= []).Add(subscription.Name);
            }

            next = stopped + 1;
        }

        return refused is null ? default : ValueTask.FromException(new EventBusFullException(refused));
    }

    /// <summary>Calls the handler of each subscription from <paramref name="next"/> on whose lane this thread
    /// takes the fast path; returns the index of the first one whose lane it cannot take, or the length.
    /// <paramref name="next"/> and <paramref name="at"/> hold the index and the subscription of the call under way
    /// (for the caller's catch), or of the one it stopped at.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CallFastFrom(InlineSubscription<T>?[] subscriptions, int count, ref int next, ref InlineSubscription<T>? at, int thread, T @event)
    {
        for (var i = next; i < count; i++)
        {
            if (subscriptions[i] is not { } subscription)
            {
                continue;
            }

            var lane = subscription.Consumer;
            var entry = lane.TryEnterFast(thread, @event);
            if (entry == FastEntry.Entered)
            {
                next = i;
                at = subscription;
                subscription.Handler(@event);
                lane.ExitFast(thread, @event);
            }
            else if (entry == FastEntry.NotEntered)
            {
                at = subscription;
                return i;
            }
        }

        return count;
    }
}
