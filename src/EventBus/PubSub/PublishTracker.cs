using EventBus.Delivery;
using EventBus.Diagnostics;

namespace EventBus.PubSub;

/// <summary>
/// Counts the subscriptions one publish reached until each has finished with the event, then calls the
/// publisher's <see cref="PublishOptions.OnSettled"/> once. Travels in the publish's
/// <see cref="EventContext"/>, so every place where a subscription finishes with an event (handled,
/// dead-lettered, dropped, abandoned) settles it without knowing who is waiting.
/// </summary>
/// <remarks>
/// <para>The count starts at one, the publisher's own hold: the route adds every target before it hands the
/// event to the first one and releases the hold after the last, so a target that settles at once (an
/// inline handler) cannot complete the publish while later targets have not received it yet.</para>
/// <para>With a tracking sink (a tracker of the EventBus.Testing package is attached) it also tells the sink how each
/// consumer finished, and the settlement; <paramref name="callback"/> is then optional.</para>
/// </remarks>
internal sealed class PublishTracker(Action<PublishSettlement>? callback, DeliveryEnvironment environment, ITrackingSink? sink = null)
{
    private int _pending = 1;
    private int _handled;
    private int _deadLettered;
    private int _dropped;
    private int _abandoned;

    /// <summary>The context this tracker travels in; set right after the context is made.</summary>
    internal EventContext? Context { get; set; }

    /// <summary>Expects <paramref name="targets"/> more subscriptions to settle.</summary>
    internal void Expect(int targets) => Interlocked.Add(ref _pending, targets);

    /// <summary>The consumer <paramref name="consumer"/> handled the event, on attempt <paramref name="attempts"/>.</summary>
    internal void Handled(string consumer, int attempts)
    {
        sink?.Finished(Context!, consumer, TrackedEnd.Handled, attempts, reason: null);
        Settle(ref _handled);
    }

    /// <summary>The consumer <paramref name="consumer"/> dead-lettered the event after <paramref name="attempts"/> attempts.</summary>
    internal void DeadLettered(string consumer, int attempts)
    {
        sink?.Finished(Context!, consumer, TrackedEnd.DeadLettered, attempts, reason: null);
        Settle(ref _deadLettered);
    }

    /// <summary>The consumer <paramref name="consumer"/> will not handle the event, for <paramref name="reason"/>.</summary>
    internal void Lost(string consumer, DropReason reason, int attempts = 0)
    {
        var abandoned = reason is DropReason.Abandoned or DropReason.Unsubscribed;
        sink?.Finished(Context!, consumer, abandoned ? TrackedEnd.Abandoned : TrackedEnd.Dropped, attempts, reason);
        Settle(ref abandoned ? ref _abandoned : ref _dropped);
    }

    /// <summary>Releases the publisher's hold once every target has been offered the event, settling the
    /// <paramref name="notReached"/> targets the publish never reached (it was cancelled or failed first) as abandoned.</summary>
    internal void Release(int notReached = 0)
    {
        if (notReached > 0)
        {
            Interlocked.Add(ref _abandoned, notReached);
            sink?.Finished(Context!, consumer: null, TrackedEnd.Abandoned, attempts: 0, reason: null, notReached);
        }

        if (Interlocked.Add(ref _pending, -(notReached + 1)) == 0)
        {
            Complete();
        }
    }

    private void Settle(ref int outcome)
    {
        Interlocked.Increment(ref outcome);
        Release();
    }

    private void Complete()
    {
        // Every settle incremented its count before its (fully fenced) decrement, so the counts are final.
        var context = Context!;
        var settlement = new PublishSettlement(
            context, Volatile.Read(ref _handled), Volatile.Read(ref _deadLettered), Volatile.Read(ref _dropped), Volatile.Read(ref _abandoned));
        sink?.Settled(settlement);
        if (callback is null)
        {
            return;
        }

        try
        {
            callback(settlement);
        }
        catch (Exception ex)
        {
            Log.CallbackFailed(environment.Logger, ex, nameof(PublishOptions.OnSettled), context.EventType.Name);
            environment.ReportError(new DeliveryError(DeliveryErrorKind.CallbackFailed, ex, nameof(PublishOptions.OnSettled), context.EventType, context, 0, false));
        }
    }
}
