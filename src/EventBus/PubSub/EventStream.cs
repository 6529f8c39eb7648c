using System.Threading.Tasks.Sources;
using EventBus.Consumers;

namespace EventBus.PubSub;

/// <summary>
/// One queued subscription read with <c>await foreach</c>: its handler hands each event to the reader and
/// returns only once the reader has taken it, so the subscription's own buffer is the stream's backlog and
/// its full mode decides what a slow reader costs publishers. The contract is documented on
/// <see cref="EventStreams"/>.
/// </summary>
/// <typeparam name="TEvent">The event type subscribed to.</typeparam>
/// <typeparam name="TItem">What the reader sees: the event, or the event with its context.</typeparam>
/// <remarks>
/// <para><b>The hand-off.</b> The subscription has one worker, so one handler call at a time. When the
/// reader is waiting, the call gives it the event and returns at once. Otherwise it leaves the event in
/// <see cref="_offer"/> and returns a pending task (<see cref="_handoff"/>) that the reader's next
/// <see cref="MoveNextAsync"/> completes when it takes the event; that completion runs the engine's
/// continuation synchronously, so the event is normally counted delivered before <c>MoveNextAsync</c>
/// returns. Either way nothing is counted delivered before the reader has it. The reader's own wait
/// (<see cref="_wake"/>) always resumes on the thread pool, never inside the engine's worker, a
/// halt or someone's <see cref="CancellationTokenSource.Cancel()"/>.</para>
/// <para><b>Stops.</b> The handler's token is the subscription's stop token: it fires only when the
/// subscription halts, after the halt has claimed (and counted as abandoned) the event in hand, so the
/// hand-off is then withdrawn and the call returns without an error. The reader's stop (break, dispose,
/// cancellation) disposes the subscription, which counts what is buffered as unsubscribed; before it does,
/// it waits for the engine to count the last event the reader took (the engine does so right after that
/// event's handler call returned), so the halt does not report an event the reader has as abandoned.</para>
/// <para>All state moves under <see cref="_gate"/>; task sources are completed outside it. No user code
/// runs under it.</para>
/// </remarks>
internal sealed class EventStream<TEvent, TItem> : IAsyncEnumerable<TItem>, IAsyncEnumerator<TItem>, IValueTaskSource, IValueTaskSource<bool>
{
    private static readonly Action<object?, CancellationToken> s_onCanceled =
        static (state, token) => ((EventStream<TEvent, TItem>)state!).OnCanceled(token);

    private readonly Lock _gate = new();
    private readonly Func<TEvent, EventContext?, TItem> _project;
    private readonly CancellationToken _streamToken;
    private IEventSubscription? _subscription;
    private ConsumerLifecycle? _lifecycle;
    private Task _stopped = Task.CompletedTask;
    private CancellationTokenRegistration _streamRegistration;
    private CancellationTokenRegistration _enumeratorRegistration;

    // The handler's side: the event it offers and the wait for the reader to take it.
    private ManualResetValueTaskSourceCore<bool> _handoff;
    private TEvent _offer = default!;
    private EventContext? _offerContext;
    private bool _hasOffer;
    private bool _handlerWaiting;
    private bool _halted;
    private CancellationToken _haltToken;

    // The reader's side.
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private TItem _current = default!;
    private bool _readerWaiting;
    private long _taken;
    private int _enumerated;
    private bool _disposed;
    private bool _stopping;
    private CancellationToken _canceledBy;

    private EventStream(Func<TEvent, EventContext?, TItem> project, CancellationToken cancellationToken)
    {
        _project = project;
        _streamToken = cancellationToken;
    }

    public TItem Current => _current;

    /// <summary>Subscribes a new stream to <paramref name="bus"/> (arguments already checked).</summary>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="NotSupportedException">The bus's subscriptions are not this library's.</exception>
    internal static EventStream<TEvent, TItem> Start(
        IEventBus bus, SubscriptionOptions? options, bool withContext, Func<TEvent, EventContext?, TItem> project, CancellationToken cancellationToken)
    {
        var stream = new EventStream<TEvent, TItem>(project, cancellationToken);
        var subscription = withContext
            ? bus.Subscribe<TEvent>(stream.HandleWithContextAsync, options)
            : bus.Subscribe<TEvent>(stream.HandleAsync, options);
        if (subscription is not ISubscriptionEntry entry)
        {
            subscription.Dispose();
            throw new NotSupportedException(
                $"Event streams need a bus created by {nameof(EventBusFactory)}.{nameof(EventBusFactory.Create)} or AddEventBus: " +
                $"the subscriptions of {bus.GetType().Name} cannot tell a stream when they stop.");
        }

        stream.Attach(subscription, entry.Lifecycle);
        return stream;
    }

    public IAsyncEnumerator<TItem> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
        {
            throw new InvalidOperationException(
                "An event stream can be enumerated only once: it is one subscription whose events go to one reader. " +
                "Create another stream for another reader.");
        }

        if (cancellationToken.CanBeCanceled && cancellationToken != _streamToken)
        {
            _enumeratorRegistration = cancellationToken.UnsafeRegister(s_onCanceled, this);
        }

        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        bool canceled;
        lock (_gate)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(ToString(), "The event stream has been disposed.");
            }

            if (_readerWaiting)
            {
                throw new InvalidOperationException("MoveNextAsync was called while an earlier call was still pending.");
            }

            canceled = _canceledBy.IsCancellationRequested;
            if (!canceled)
            {
                if (_hasOffer && !_lifecycle!.IsHalting)
                {
                    // A halt claims the event in hand before it withdraws it: one seen halting is not ours to take.
                    _current = _project(_offer, _offerContext);
                    ClearOffer();
                    _handlerWaiting = false;
                    _taken++;
                }
                else if (_stopped.IsCompleted)
                {
                    _current = default!;
                    return new ValueTask<bool>(false);
                }
                else
                {
                    _wake.Reset();
                    _readerWaiting = true;
                    return new ValueTask<bool>(this, _wake.Version);
                }
            }
        }

        if (canceled)
        {
            Stop();
            return ValueTask.FromCanceled<bool>(_canceledBy);
        }

        // The engine awaits the hand-off, so this normally runs its continuation here and the event is counted
        // before this returns; if it has not awaited yet, it counts on its own thread just after (Stop waits).
        _handoff.SetResult(true);
        return new ValueTask<bool>(true);
    }

    public ValueTask DisposeAsync()
    {
        bool first;
        bool wake;
        lock (_gate)
        {
            first = !_disposed;
            _disposed = true;
            wake = _readerWaiting;
            _readerWaiting = false;
        }

        if (wake)
        {
            // Only a caller that disposes during a pending MoveNextAsync gets here: that call ends.
            _wake.SetResult(false);
        }

        if (first)
        {
            _streamRegistration.Dispose();
            _enumeratorRegistration.Dispose();
            Stop();
        }

        return _stopped.IsCompleted ? default : new ValueTask(_stopped);
    }

    /// <inheritdoc />
    public override string ToString() => _subscription?.ToString() ?? typeof(TEvent).Name;

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _handoff.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _handoff.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _handoff.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);

    bool IValueTaskSource<bool>.GetResult(short token) => _wake.GetResult(token);

    private void Attach(IEventSubscription subscription, ConsumerLifecycle lifecycle)
    {
        lock (_gate)
        {
            _subscription = subscription;
            _lifecycle = lifecycle;
            _stopped = lifecycle.Completion;
        }

        _ = _stopped.ContinueWith(
            static (_, state) => ((EventStream<TEvent, TItem>)state!).OnStopped(),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        if (_streamToken.CanBeCanceled)
        {
            _streamRegistration = _streamToken.UnsafeRegister(s_onCanceled, this);
        }
    }

    private ValueTask HandleAsync(TEvent @event, CancellationToken cancellationToken) => Offer(@event, null, cancellationToken);

    private ValueTask HandleWithContextAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        Offer(@event, context, cancellationToken);

    /// <summary>The subscription's handler: gives the event to the reader, or waits until it takes it.</summary>
    /// <param name="event">The event.</param>
    /// <param name="context">Its context, for a stream that hands it out.</param>
    /// <param name="haltToken">Fires when the subscription halts (see the remarks).</param>
    private ValueTask Offer(TEvent @event, EventContext? context, CancellationToken haltToken)
    {
        if (haltToken != _haltToken)
        {
            // Once per subscription: its handler always gets the same stop token. Only the one handler call
            // running at a time reads and writes these two fields.
            _haltToken = haltToken;
            _ = haltToken.UnsafeRegister(static state => ((EventStream<TEvent, TItem>)state!).OnHalted(), this);
        }

        short version;
        lock (_gate)
        {
            if (_halted)
            {
                // The halt has claimed this event and counted it; returning changes nothing.
                return default;
            }

            // A halt that began may have claimed this event already: it then waits for its withdrawal.
            if (!_readerWaiting || _lifecycle!.IsHalting)
            {
                _offer = @event;
                _offerContext = context;
                _hasOffer = true;
                _handoff.Reset();
                _handlerWaiting = true;
                version = _handoff.Version;
                return new ValueTask(this, version);
            }

            _current = _project(@event, context);
            _readerWaiting = false;
            _taken++;
        }

        _wake.SetResult(true);
        return default;
    }

    /// <summary>The subscription halted: the event in hand (claimed by the halt) is withdrawn.</summary>
    private void OnHalted()
    {
        bool release;
        lock (_gate)
        {
            _halted = true;
            release = _handlerWaiting;
            _handlerWaiting = false;
            ClearOffer();
        }

        if (release)
        {
            _handoff.SetResult(false);
        }
    }

    /// <summary>The subscription has stopped: every event it accepted has its outcome, so the stream ends.</summary>
    private void OnStopped()
    {
        bool wake;
        lock (_gate)
        {
            wake = _readerWaiting;
            _readerWaiting = false;
            if (wake)
            {
                _current = default!;
            }
        }

        if (wake)
        {
            _wake.SetResult(false);
        }
    }

    /// <summary>A caller's token fired: the waiting reader is cancelled and the subscription disposed.</summary>
    private void OnCanceled(CancellationToken token)
    {
        bool wake;
        lock (_gate)
        {
            if (_canceledBy.IsCancellationRequested)
            {
                return;
            }

            _canceledBy = token;
            wake = _readerWaiting;
            _readerWaiting = false;
        }

        if (wake)
        {
            _wake.SetException(new OperationCanceledException(token));
        }

        // Disposing reports drops (user callbacks): never inside the caller's Cancel.
        ThreadPool.UnsafeQueueUserWorkItem(static stream => stream.Stop(), this, preferLocal: false);
    }

    /// <summary>Disposes the subscription once, after the engine has counted what the reader took.</summary>
    private void Stop()
    {
        long taken;
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            taken = _taken;
        }

        // The engine counts a taken event as soon as its handler call returns (after telemetry listeners, when
        // there are any), normally before the reader even resumes, so this seldom turns once. An outside halt,
        // which may have claimed the event instead, ends the wait too.
        var spinner = default(SpinWait);
        while (_subscription!.GetStatistics().Delivered < taken && !_lifecycle!.IsHalting)
        {
            spinner.SpinOnce();
        }

        _subscription.Dispose();
    }

    private void ClearOffer()
    {
        _offer = default!;
        _offerContext = null;
        _hasOffer = false;
    }
}
