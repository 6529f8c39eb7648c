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
        // A route of fewer than 16 slots never holds one that left (see RouteSnapshot); checked all the same.
        ref var target = ref snapshot.Inline[0];
        if (target.Subscription is null)
        {
            return default;
        }

        var lane = target.Lane;
        var thread = ThreadIndex.Current;
        var entry = lane.TryEnterFast(thread, @event);
        if (entry == FastEntry.Entered)
        {
            try
            {
                target.Handler(@event);
            }
            catch (Exception ex)
            {
                lane.Owner.FailFast(thread, @event, ex);
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
        var targets = snapshot.Inline;
        var count = snapshot.InlineCount;
        var thread = ThreadIndex.Current;
        var next = 0;
        List<string>? refused = null;
        while (true)
        {
            // The handler calls run in a loop without an exception region, so the JIT keeps its state in
            // registers; a handler that throws lands here with next on its slot, whose lane stays there even
            // if the subscription leaves meanwhile (see RouteSnapshot.InlineTarget).
            int stopped;
            try
            {
                stopped = CallFastFrom(targets, count, ref next, thread, @event);
            }
            catch (Exception ex)
            {
                targets[next].Lane.Owner.FailFast(thread, @event, ex);
                next++;
                continue;
            }

            if (stopped == count)
            {
                break;
            }

            next = stopped + 1;
            if (Volatile.Read(ref targets[stopped].Subscription) is not { } subscription)
            {
                // It left after the loop looked: as if it had left before.
                continue;
            }

            var delivery = subscription.DeliverAsync(@event, context: null, noWait, cancellationToken);
            if (!delivery.IsCompletedSuccessfully)
            {
                return ContinueAsync(delivery, subscription, snapshot, stopped, @event, null, noWait, refused, cancellationToken);
            }

            if (!delivery.Result)
            {
                (refused ??= []).Add(subscription.Name);
            }
        }

        return refused is null ? default : ValueTask.FromException(new EventBusFullException(refused));
    }

    /// <summary>Calls the handler of each subscription from <paramref name="next"/> on whose lane this thread
    /// takes the fast path; returns the index of the first one whose lane it cannot take, or the length.
    /// <paramref name="next"/> holds the index of the call under way, for the caller's catch.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CallFastFrom(RouteSnapshot<T>.InlineTarget[] targets, int count, ref int next, int thread, T @event)
    {
        for (var i = next; i < count; i++)
        {
            ref var target = ref targets[i];
            if (target.Subscription is null)
            {
                continue;
            }

            var lane = target.Lane;
            var entry = lane.TryEnterFast(thread, @event);
            if (entry == FastEntry.Entered)
            {
                next = i;
                target.Handler(@event);
                lane.ExitFast(thread, @event);
            }
            else if (entry == FastEntry.NotEntered)
            {
                return i;
            }
        }

        return count;
    }
}
