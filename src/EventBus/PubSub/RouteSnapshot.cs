using EventBus.Consumers;

namespace EventBus.PubSub;

/// <summary>
/// One route's targets as a publish sees them. Publish reads it with a single volatile load and never
/// locks; subscribe and unsubscribe change the route's <see cref="Builder"/> under the bus's lock and
/// swap in a new snapshot, in constant time whatever the number of subscriptions.
/// </summary>
/// <remarks>
/// <para>Snapshots share their arrays with the builder: a snapshot reads slots below its counts, and the
/// builder only appends beyond every published count, so a published slot never changes, except that
/// an unsubscribed one turns null (publish skips it; an inline slot keeps its lane and handler, see
/// <see cref="InlineTarget"/>). Arrays grow by doubling; when half the slots are
/// null (or on any removal from a small route, so small routes never carry a null) the builder copies
/// the live targets into new arrays, leaving the published ones untouched. Subscription order is kept: a new target always goes last.</para>
/// </remarks>
internal sealed class RouteSnapshot<T>
{
    internal static readonly RouteSnapshot<T> Empty = new([], 0, [], 0, needsContext: false, closed: false) { InlineOnly = true };

    /// <summary>The snapshot of every route of a bus that no longer accepts publishes: a publish finds the bus's
    /// state in the one load it makes anyway.</summary>
    internal static readonly RouteSnapshot<T> Closed = new([], 0, [], 0, needsContext: false, closed: true);

    private RouteSnapshot(InlineTarget[] inline, int inlineCount, Target<T>?[] targets, int targetCount, bool needsContext, bool closed)
    {
        Inline = inline;
        InlineCount = inlineCount;
        Targets = targets;
        TargetCount = targetCount;
        NeedsContext = needsContext;
        IsClosed = closed;
    }

    /// <summary>True for <see cref="Closed"/>.</summary>
    internal bool IsClosed { get; }

    /// <summary>Inline subscriptions to exactly <typeparamref name="T"/> with a plain synchronous handler:
    /// called directly, without a virtual dispatch, on the publisher's thread. Read below <see cref="InlineCount"/>;
    /// a slot whose subscription is null is one that left.</summary>
    internal InlineTarget[] Inline { get; }

    internal int InlineCount { get; }

    /// <summary>Every other target, in subscription order; read below <see cref="TargetCount"/>, skipping nulls.</summary>
    internal Target<T>?[] Targets { get; }

    internal int TargetCount { get; }

    /// <summary>Slots of <see cref="Inline"/> then of <see cref="Targets"/>: what a publish that cannot take the
    /// fast path goes through, one after the other (see <see cref="At"/>).</summary>
    internal int Count => InlineCount + TargetCount;

    /// <summary>True when some handler takes the context, so publish must create one.</summary>
    internal bool NeedsContext { get; }

    /// <summary>True when every live target is in <see cref="Inline"/> (or there is none): publish can take
    /// its synchronous fast path. (Those handlers never take a context.)</summary>
    internal bool InlineOnly { get; private init; }

    /// <summary>The target in slot <paramref name="index"/> of <see cref="Count"/>; null when it left.</summary>
    internal Target<T>? At(int index) => index < InlineCount ? Volatile.Read(ref Inline[index].Subscription) : Targets[index - InlineCount];

    /// <summary>A private copy without the null slots, for a publish that counts its targets up front.</summary>
    internal RouteSnapshot<T> Compacted()
    {
        var inline = new List<InlineTarget>(InlineCount);
        for (var i = 0; i < InlineCount; i++)
        {
            if (Volatile.Read(ref Inline[i].Subscription) is { } subscription)
            {
                inline.Add(new InlineTarget(subscription));
            }
        }

        var targets = Live(Targets, TargetCount);
        return new RouteSnapshot<T>([.. inline], inline.Count, targets, targets.Length, NeedsContext, IsClosed) { InlineOnly = InlineOnly };
    }

    private static TItem?[] Live<TItem>(TItem?[] items, int count)
        where TItem : class
    {
        var live = new List<TItem>(count);
        for (var i = 0; i < count; i++)
        {
            if (Volatile.Read(ref items[i]) is { } item)
            {
                live.Add(item);
            }
        }

        return [.. live];
    }

    /// <summary>A route's targets as they change; used under the bus's lock only.</summary>
    internal sealed class Builder
    {
        /// <summary>Below this many slots, every removal copies: small routes (the fast path's) never hold a null.</summary>
        private const int CompactBelow = 16;

        private readonly Dictionary<ISubscriptionEntry, int> _slots = new(ReferenceEqualityComparer.Instance);
        private InlineTarget[] _inline = [];
        private Target<T>?[] _targets = [];
        private int _inlineCount;
        private int _targetCount;
        private int _liveTargets;
        private int _wantContext;

        internal void AddInline(InlineSubscription<T> subscription)
        {
            Append(ref _inline, ref _inlineCount, new InlineTarget(subscription));
            _slots[subscription] = _inlineCount - 1;
        }

        internal void AddTarget(Target<T> target)
        {
            Append(ref _targets, ref _targetCount, target);
            _slots[target.Entry] = ~(_targetCount - 1);
            _liveTargets++;
            _wantContext += target.Entry.WantsContext ? 1 : 0;
        }

        /// <summary>Takes <paramref name="entry"/> out; false when this route never had it.</summary>
        internal bool Remove(ISubscriptionEntry entry)
        {
            if (!_slots.Remove(entry, out var slot))
            {
                return false;
            }

            var slots = _inlineCount + _targetCount;
            if (slots < CompactBelow || (slots - _slots.Count) * 2 > slots)
            {
                // New arrays without it; the published ones stay as they are.
                var before = new RouteSnapshot<T>(_inline, _inlineCount, _targets, _targetCount, needsContext: false, closed: false);
                _slots.Clear();
                (_inline, _inlineCount, _targets, _targetCount, _liveTargets, _wantContext) = ([], 0, [], 0, 0, 0);
                CopyFrom(before, except: entry);
                return true;
            }

            if (slot >= 0)
            {
                Volatile.Write(ref _inline[slot].Subscription, null);
            }
            else
            {
                Volatile.Write(ref _targets[~slot], null);
                _liveTargets--;
                _wantContext -= entry.WantsContext ? 1 : 0;
            }

            return true;
        }

        internal RouteSnapshot<T> Build() =>
            _slots.Count == 0
                ? Empty
                : new RouteSnapshot<T>(_inline, _inlineCount, _targets, _targetCount, _wantContext > 0, closed: false) { InlineOnly = _liveTargets == 0 };

        private void CopyFrom(RouteSnapshot<T> snapshot, ISubscriptionEntry except)
        {
            for (var i = 0; i < snapshot.InlineCount; i++)
            {
                if (snapshot.Inline[i].Subscription is { } inline && !ReferenceEquals(inline, except))
                {
                    AddInline(inline);
                }
            }

            for (var i = 0; i < snapshot.TargetCount; i++)
            {
                if (snapshot.Targets[i] is { } target && !ReferenceEquals(target.Entry, except))
                {
                    AddTarget(target);
                }
            }
        }

        /// <summary>Writes the slot past every published count, growing by doubling into a new array (snapshots keep the old one).</summary>
        private static void Append<TItem>(ref TItem[] items, ref int count, TItem item)
        {
            if (count == items.Length)
            {
                var grown = new TItem[Math.Max(4, items.Length * 2)];
                Array.Copy(items, grown, count);
                items = grown;
            }

            items[count++] = item;
        }
    }

    /// <summary>An inline subscription as the fast path reads it: its lane's slot and its handler side by side in the
    /// route's array, so a call touches the slot, not the subscription or its consumer.</summary>
    /// <remarks>Leaving clears <see cref="Subscription"/> only (one reference store, so a reader never sees half an
    /// entry): the lane stays for a publisher whose handler call there threw meanwhile and must still end it. The
    /// lane and handler of a subscription that left live on until the route copies its live slots (at half empty).</remarks>
    internal struct InlineTarget(InlineSubscription<T> subscription)
    {
        /// <summary>The subscription's one-slot lane (its consumer's first slot).</summary>
        internal readonly ConsumerWorker<T> Lane = subscription.Consumer.Lane;

        /// <summary>Its plain synchronous handler.</summary>
        internal readonly Action<T> Handler = subscription.Handler;

        /// <summary>The subscription; null once it left.</summary>
        internal InlineSubscription<T>? Subscription = subscription;
    }
}
