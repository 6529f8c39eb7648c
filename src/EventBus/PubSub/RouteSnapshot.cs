namespace EventBus.PubSub;

/// <summary>
/// The immutable list of targets one route delivers to. Publish reads it with a single volatile
/// load and never locks; subscribe and unsubscribe build a new one under the bus's lock and swap it in.
/// </summary>
internal sealed class RouteSnapshot<T>
{
    internal static readonly RouteSnapshot<T> Empty = new([], [], needsContext: false);

    /// <summary>The snapshot of every route of a bus that no longer accepts publishes: a publish finds the bus's
    /// state in the one load it makes anyway.</summary>
    internal static readonly RouteSnapshot<T> Closed = new([], [], needsContext: false, closed: true);

    private RouteSnapshot(InlineSubscription<T>[] inline, Target<T>[] targets, bool needsContext, bool closed = false)
    {
        Inline = inline;
        Targets = targets;
        All = inline.Length == 0 ? targets : [.. inline, .. targets];
        NeedsContext = needsContext;
        InlineOnly = targets.Length == 0 && !closed;
        IsClosed = closed;
    }

    /// <summary>True for <see cref="Closed"/>.</summary>
    internal bool IsClosed { get; }

    /// <summary>Inline subscriptions to exactly <typeparamref name="T"/> with a plain synchronous handler:
    /// called directly, without a virtual dispatch, on the publisher's thread.</summary>
    internal InlineSubscription<T>[] Inline { get; }

    /// <summary>Every other target, in subscription order.</summary>
    internal Target<T>[] Targets { get; }

    /// <summary><see cref="Inline"/> then <see cref="Targets"/>: what a publish that cannot take the fast path
    /// goes through, one delivery after the other.</summary>
    internal Target<T>[] All { get; }

    /// <summary>True when some handler takes the context, so publish must create one.</summary>
    internal bool NeedsContext { get; }

    /// <summary>True when every target is in <see cref="Inline"/> (or there is none): publish can take
    /// its synchronous fast path. (Those handlers never take a context.)</summary>
    internal bool InlineOnly { get; }

    internal bool IsEmpty => Inline.Length == 0 && Targets.Length == 0;

    /// <summary>Returns a copy with <paramref name="entry"/> added at the end (entries arrive in sequence order).</summary>
    internal RouteSnapshot<T> With(ISubscriptionEntry entry)
    {
        var builder = new Builder(this);
        entry.AddTo(builder);
        return builder.Build();
    }

    /// <summary>Returns a copy without <paramref name="entry"/>.</summary>
    internal RouteSnapshot<T> Without(ISubscriptionEntry entry)
    {
        var builder = new Builder(null);
        foreach (var inline in Inline)
        {
            if (!ReferenceEquals(inline, entry))
            {
                builder.AddInline(inline);
            }
        }

        foreach (var target in Targets)
        {
            if (!ReferenceEquals(target.Entry, entry))
            {
                builder.AddTarget(target);
            }
        }

        return builder.Build();
    }

    /// <summary>Collects targets for a new snapshot.</summary>
    internal sealed class Builder
    {
        private readonly List<InlineSubscription<T>> _inline = [];
        private readonly List<Target<T>> _targets = [];
        private bool _needsContext;

        internal Builder(RouteSnapshot<T>? from)
        {
            if (from is not null)
            {
                _inline.AddRange(from.Inline);
                _targets.AddRange(from.Targets);
                _needsContext = from.NeedsContext;
            }
        }

        internal void AddInline(InlineSubscription<T> subscription) => _inline.Add(subscription);

        internal void AddTarget(Target<T> target)
        {
            _targets.Add(target);
            _needsContext |= target.Entry.WantsContext;
        }

        internal RouteSnapshot<T> Build() =>
            _inline.Count == 0 && _targets.Count == 0 ? Empty : new RouteSnapshot<T>([.. _inline], [.. _targets], _needsContext);
    }
}
