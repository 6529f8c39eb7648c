using EventBus.Delivery;
using EventBus.PubSub;
using EventBus.Testing.Internal;
using EventBus.WorkQueues;

namespace EventBus.Testing;

/// <summary>
/// Tracks what a publish causes, for tests: publish (or enqueue, or run any action), then wait until the whole causal
/// tree has settled (every handler's publishes and enqueues, their retries, dead letters and drops) and read it back.
/// </summary>
/// <remarks>
/// <para>A handler's publishes and enqueues carry the id of the message it handles
/// (<see cref="EventContext.CausationId"/>); that is how the tracker follows the tree across subscriptions and work
/// queues. The tracker hears the bus it was created for and every work queue given to <see cref="Track{T}"/> (or to
/// <see cref="EnqueueAndWaitAsync{T}"/>). An enqueue on a queue it does not track is not followed.</para>
/// <para>While it is attached, every publish creates an <see cref="EventContext"/> and the inline fast path steps
/// aside, as it does for a trace listener: fine for tests, not meant for production. One tracker per bus or queue at
/// a time; dispose it to detach. Sessions may run in parallel; each follows only its own tree.</para>
/// <para>A session settles when every message in it has been finished by every consumer it reached. Work a handler
/// starts and does not await (fire-and-forget) after it returned is not part of its tree, nor are batch handlers'
/// publishes. A durable work queue (EventBus.Sqlite) is followed for the items enqueued through it while the tracker
/// is attached; outbox enqueues (inside the caller's transaction) and items stored by an earlier run are not.</para>
/// </remarks>
public sealed class EventBusTracker : IDisposable
{
    private static readonly Lock s_attach = new();

    private readonly IEventBus _bus;
    private readonly TimeProvider _time;
    private readonly TrackingRecorder _recorder = new();
    private readonly List<DeliveryEnvironment> _attached = [];
    private bool _disposed;

    /// <summary>Attaches a tracker to <paramref name="bus"/>.</summary>
    /// <param name="bus">The bus, as <see cref="EventBusFactory"/> or the container's <c>AddEventBus</c> made it.</param>
    /// <param name="timeProvider">The clock of <see cref="Timeout"/>; the default is <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="bus"/> is another implementation of <see cref="IEventBus"/>.</exception>
    /// <exception cref="InvalidOperationException">Another tracker is attached to the bus.</exception>
    public EventBusTracker(IEventBus bus, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (bus is not InProcessEventBus inProcess)
        {
            throw new ArgumentException(
                $"EventBusTracker tracks the bus EventBusFactory or AddEventBus creates; '{bus.GetType().Name}' is another implementation of IEventBus.",
                nameof(bus));
        }

        _bus = bus;
        _time = timeProvider ?? TimeProvider.System;
        Attach(inProcess.Environment, "bus");
    }

    /// <summary>How long a wait lets a session take to settle before it throws <see cref="TrackingTimeoutException"/>.</summary>
    /// <value>The default is 30 seconds. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits for ever.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative (other than infinite).</exception>
    public TimeSpan Timeout
    {
        get;
        set
        {
            if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must be positive, or Timeout.InfiniteTimeSpan.");
            }

            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>Follows <paramref name="queue"/> too: its enqueues and their outcomes join the trees of the handlers that made them.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="queue">A work queue of this library: in-memory (<see cref="WorkQueue{T}"/>) or durable (EventBus.Sqlite),
    /// also as the container registers it.</param>
    /// <returns>This tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> is null.</exception>
    /// <exception cref="NotSupportedException"><paramref name="queue"/> is another implementation of <see cref="IWorkQueue{T}"/>.</exception>
    /// <exception cref="InvalidOperationException">Another tracker follows the queue.</exception>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    public EventBusTracker Track<T>(IWorkQueue<T> queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (queue is not ITrackedQueue tracked)
        {
            throw new NotSupportedException(
                $"EventBusTracker follows this library's work queues (WorkQueue<T>, SqliteWorkQueue<T>); '{queue.GetType().Name}' is another implementation.");
        }

        Attach(tracked.Environment, $"work queue '{tracked.Name}'");
        return this;
    }

    /// <summary>Publishes <paramref name="event"/> and waits until it and everything it caused has settled.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Publish options (topic, correlation id, headers), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the publish's wait for space and the wait for the tree.</param>
    /// <returns>The settled tree; its root is the event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="event"/> is null.</exception>
    /// <exception cref="TrackingTimeoutException">The tree did not settle within <see cref="Timeout"/>.</exception>
    /// <remarks>What the publish itself throws (the bus closed, a refusal) propagates, as it would from
    /// <see cref="IEventBus.PublishAsync{TEvent}(TEvent, PublishOptions?, CancellationToken)"/>; a handler's failure
    /// does not: it is an outcome in the tree.</remarks>
    public Task<TrackedSession> PublishAndWaitAsync<TEvent>(TEvent @event, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return ExecuteAndWaitAsync(ct => _bus.PublishAsync(@event, options, ct), cancellationToken);
    }

    /// <summary>Enqueues <paramref name="item"/> on <paramref name="queue"/> (following it from now on) and waits until
    /// it and everything its handler caused has settled.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="queue">A work queue of this library (in-memory or durable).</param>
    /// <param name="item">The item.</param>
    /// <param name="cancellationToken">Cancels the enqueue's wait for space and the wait for the tree.</param>
    /// <returns>The settled tree; its root is the item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> or <paramref name="item"/> is null.</exception>
    /// <exception cref="NotSupportedException"><paramref name="queue"/> is another implementation of <see cref="IWorkQueue{T}"/>.</exception>
    /// <exception cref="TrackingTimeoutException">The tree did not settle within <see cref="Timeout"/>.</exception>
    public Task<TrackedSession> EnqueueAndWaitAsync<T>(IWorkQueue<T> queue, T item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!IsTracked(queue))
        {
            Track(queue);
        }

        return ExecuteAndWaitAsync(ct => queue.EnqueueAsync(item, ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> and waits until everything it published or enqueued (on the tracked bus
    /// and queues), and everything that caused in turn, has settled.</summary>
    /// <param name="action">The code under test; it gets <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Passed to <paramref name="action"/>; cancels the wait for the tree.</param>
    /// <returns>The settled tree; its roots are what <paramref name="action"/> published or enqueued, in order
    /// (none when it published nothing).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    /// <exception cref="TrackingTimeoutException">The tree did not settle within <see cref="Timeout"/>.</exception>
    /// <remarks>What <paramref name="action"/> throws propagates once the tree is forgotten.</remarks>
    public async Task<TrackedSession> ExecuteAndWaitAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = _recorder.Begin();
        try
        {
            await action(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _recorder.EndRoots(session);
            _recorder.Close(session);
            throw;
        }

        _recorder.EndRoots(session);
        try
        {
            await session.Done.Task.WaitAsync(Timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TrackingTimeoutException(_recorder.Close(session), Timeout);
        }
        catch
        {
            _recorder.Close(session);
            throw;
        }

        return _recorder.Close(session);
    }

    /// <summary>Detaches the tracker from the bus and every queue; sessions still waiting fail with
    /// <see cref="ObjectDisposedException"/>. Idempotent.</summary>
    public void Dispose()
    {
        lock (s_attach)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var environment in _attached)
            {
                if (ReferenceEquals(environment.Tracking, _recorder))
                {
                    environment.Tracking = null;
                }
            }

            _attached.Clear();
        }

        _recorder.FailAll(new ObjectDisposedException(nameof(EventBusTracker)));
    }

    private bool IsTracked<T>(IWorkQueue<T> queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue is ITrackedQueue tracked && ReferenceEquals(tracked.Environment.Tracking, _recorder);
    }

    private void Attach(DeliveryEnvironment environment, string what)
    {
        lock (s_attach)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (environment.Tracking is { } other && !ReferenceEquals(other, _recorder))
            {
                throw new InvalidOperationException($"Another EventBusTracker is attached to this {what}; dispose it first.");
            }

            environment.Tracking = _recorder;
            _attached.Add(environment);
        }
    }
}
