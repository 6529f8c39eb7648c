using EventBus.Delivery;

namespace EventBus.Testing.Internal;

/// <summary>The tracker's sink: builds each session's tree from what the bus and the work queues report. One lock
/// guards every session; calls come from publishers and consumer loops at once and never block on user code.</summary>
internal sealed class TrackingRecorder : ITrackingSink
{
    private static readonly AsyncLocal<Session?> s_ambient = new();

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Node> _byId = [];
    // Keyed by the settlement tracker each tracked context carries: a durable queue hands its handler a context of its
    // own, built from the row, with the enqueue's tracker in it.
    private readonly Dictionary<PubSub.PublishTracker, Node> _byTracker = new(ReferenceEqualityComparer.Instance);

    /// <summary>Starts a session whose roots are what the current flow publishes until <see cref="EndRoots"/>.</summary>
    internal Session Begin()
    {
        var session = new Session(this);
        s_ambient.Value = session;
        return session;
    }

    /// <summary>The flow that began <paramref name="session"/> made its roots; releases the session's own hold.</summary>
    internal void EndRoots(Session session)
    {
        if (ReferenceEquals(s_ambient.Value, session))
        {
            s_ambient.Value = null;
        }

        lock (_gate)
        {
            session.AcceptsRoots = false;
            Release(session);
        }
    }

    /// <summary>Copies the session's tree as it stands and forgets it: later reports about its messages are ignored.</summary>
    internal TrackedSession Close(Session session)
    {
        lock (_gate)
        {
            foreach (var node in session.Nodes)
            {
                _byId.Remove(node.Context.Id);
                _byTracker.Remove(node.Context.Tracker!);
            }

            session.Closed = true;
            return Freeze(session);
        }
    }

    /// <summary>Fails every session not yet settled (the tracker was disposed).</summary>
    internal void FailAll(Exception error)
    {
        lock (_gate)
        {
            foreach (var node in _byTracker.Values)
            {
                node.Session.Done.TrySetException(error);
            }
        }
    }

    public void Published(EventContext context, object? message, string? queue)
    {
        lock (_gate)
        {
            Node? cause = null;
            Session? session;
            if (context.CausationId is { } causation)
            {
                session = _byId.TryGetValue(causation, out cause) ? cause.Session : null;
            }
            else
            {
                session = s_ambient.Value is { AcceptsRoots: true } ambient && ReferenceEquals(ambient.Recorder, this) ? ambient : null;
            }

            if (session is null || session.Closed)
            {
                return;
            }

            var node = new Node(session, context, message, queue, cause);
            session.Nodes.Add(node);
            session.Pending++;
            _byTracker[context.Tracker!] = node;

            // A publisher may reuse an id (PublishOptions.Id); the latest message with it is the one its handlers cause.
            _byId[context.Id] = node;
        }
    }

    public void Finished(EventContext context, string? consumer, TrackedEnd end, int attempts, DropReason? reason, int count = 1)
    {
        var kind = end switch
        {
            TrackedEnd.Handled => TrackedOutcomeKind.Handled,
            TrackedEnd.DeadLettered => TrackedOutcomeKind.DeadLettered,
            TrackedEnd.Dropped => TrackedOutcomeKind.Dropped,
            _ => TrackedOutcomeKind.Abandoned,
        };
        lock (_gate)
        {
            if (context.Tracker is not { } tracker || !_byTracker.TryGetValue(tracker, out var node))
            {
                return;
            }

            for (var i = 0; i < count; i++)
            {
                node.Outcomes.Add(new TrackedOutcome(consumer, kind, attempts, reason));
            }
        }
    }

    public void Settled(PublishSettlement settlement)
    {
        lock (_gate)
        {
            if (settlement.Context.Tracker is not { } tracker || !_byTracker.TryGetValue(tracker, out var node) || node.Settled)
            {
                return;
            }

            node.Settled = true;
            Release(node.Session);
        }
    }

    private static void Release(Session session)
    {
        if (--session.Pending == 0)
        {
            session.Done.TrySetResult();
        }
    }

    private static TrackedSession Freeze(Session session)
    {
        var copies = new Dictionary<Node, TrackedMessage>(ReferenceEqualityComparer.Instance);
        var messages = new List<TrackedMessage>(session.Nodes.Count);
        foreach (var node in session.Nodes)
        {
            var copy = new TrackedMessage(node.Context, node.Message, node.Queue, [.. node.Outcomes], node.Settled);
            if (node.Cause is { } cause && copies.TryGetValue(cause, out var causeCopy))
            {
                copy.Cause = causeCopy;
                causeCopy.AddCaused(copy);
            }

            copies[node] = copy;
            messages.Add(copy);
        }

        return new TrackedSession(messages);
    }

    /// <summary>One tracked publish, enqueue or action: its messages and how many are unsettled (plus one while the
    /// flow that began it may still make roots).</summary>
    internal sealed class Session(TrackingRecorder recorder)
    {
        internal TrackingRecorder Recorder { get; } = recorder;

        internal List<Node> Nodes { get; } = [];

        internal int Pending { get; set; } = 1;

        internal bool AcceptsRoots { get; set; } = true;

        internal bool Closed { get; set; }

        internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A message while its session runs.</summary>
    internal sealed class Node(Session session, EventContext context, object? message, string? queue, Node? cause)
    {
        internal Session Session { get; } = session;

        internal EventContext Context { get; } = context;

        internal object? Message { get; } = message;

        internal string? Queue { get; } = queue;

        internal Node? Cause { get; } = cause;

        internal List<TrackedOutcome> Outcomes { get; } = [];

        internal bool Settled { get; set; }
    }
}
