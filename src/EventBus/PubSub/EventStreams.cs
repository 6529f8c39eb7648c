using EventBus.PubSub;

namespace EventBus;

/// <summary>
/// Reads a bus's events with <c>await foreach</c>: each stream is one queued subscription whose buffer is
/// the stream's backlog.
/// </summary>
/// <remarks>
/// <para><b>Subscribed at the call.</b> The subscription is made when <c>StreamAsync</c> is called, so every
/// matching event published after it returns reaches the stream, even before the loop starts. It is a
/// queued subscription like any other (listed in <see cref="IEventBus.Subscriptions"/>, in metrics and in
/// the bus's drain), configured by <see cref="SubscriptionOptions"/>: <see cref="SubscriptionOptions.Topic"/>,
/// <see cref="SubscriptionOptions.Name"/>, <see cref="SubscriptionOptions.Capacity"/> (default 1024),
/// <see cref="SubscriptionOptions.FullMode"/> (default <see cref="BufferFullMode.Wait"/>) and
/// <see cref="SubscriptionOptions.OverflowCapacity"/>. Events arrive in publish order.</para>
/// <para><b>A slow reader.</b> The subscription's handler hands one event at a time to the reader and
/// returns only once the reader has taken it, so an event is counted delivered only when the reader has
/// it. Meanwhile the events behind it wait in the subscription's buffer, and its full mode decides what
/// publishers meet when the reader falls behind: under <see cref="BufferFullMode.Wait"/> they wait for
/// the reader; the drop modes drop (counted, and reported to <see cref="EventBusOptions.OnDropped"/>);
/// <see cref="BufferFullMode.Fail"/> throws <see cref="EventBusFullException"/> at the publisher.</para>
/// <para><b>How it ends.</b></para>
/// <list type="bullet">
/// <item><description>The bus completes (<see cref="IEventBus.CompleteAsync(CancellationToken)"/>,
/// <see cref="IAsyncDisposable.DisposeAsync"/>): the reader receives every event the subscription
/// accepted, then the loop ends without an exception. The bus's drain waits for the reader, bounded by
/// its deadline.</description></item>
/// <item><description>The bus is disposed, or its drain deadline passes: the subscription halts and the
/// loop ends without an exception; what it still held is counted and reported as the bus does (the
/// event waiting to be taken is abandoned).</description></item>
/// <item><description>The reader stops early (<c>break</c>, an exception in the loop, disposing the
/// enumerator): the subscription is disposed. Events still buffered are discarded, each counted and
/// reported as <see cref="DropReason.Unsubscribed"/>, and the event waiting to be taken as
/// <see cref="DropReason.Abandoned"/>. Disposing returns once the subscription has stopped.</description></item>
/// <item><description>The token given here (or through <c>WithCancellation</c>) is cancelled: the
/// subscription is disposed at once, as above (on the thread pool, also while the loop body runs), and
/// the pending or next <c>MoveNextAsync</c> throws <see cref="OperationCanceledException"/>.</description></item>
/// </list>
/// <para><b>One reader.</b> A stream can be enumerated once: a second <c>GetAsyncEnumerator</c> throws
/// <see cref="InvalidOperationException"/> and the first enumeration loses nothing. A stream never
/// enumerated keeps its subscription until its token is cancelled or the bus stops, and the bus's drain
/// waits for it until the deadline: enumerate every stream you create.</para>
/// <para><b>The handler's token.</b> The subscription's handler waits for the reader with the
/// subscription's stop token, which fires only when the subscription halts (by any of the stops above
/// but a graceful completion). The waiting event is then withdrawn, the reader never sees it, and it
/// counts as abandoned. A halt from outside the stream (the bus's <c>Dispose</c>, a deadline) that lands
/// at the very moment the reader takes an event may count that event abandoned although the reader got
/// it: a halt reports losses eagerly, never the other way round.</para>
/// <para><b>Publishing from the loop.</b> The loop body is not a handler: a publish it makes under
/// <see cref="BufferFullMode.Wait"/> into its own stream's full buffer waits for the loop itself. Give such
/// a publish a token, use a drop mode, or publish with <see cref="IEventBus.Publish{TEvent}(TEvent, PublishOptions?)"/>
/// (which uses the overflow).</para>
/// <para><see cref="SubscriptionOptions.RetryPolicy"/> and <see cref="SubscriptionOptions.DeadLetterSink"/>
/// have no effect: handing an event over never fails. The subscription's <c>process</c> spans and
/// durations measure the hand-off (how long each event waited for the reader), not the loop body.</para>
/// </remarks>
public static class EventStreams
{
    /// <summary>Subscribes to <typeparamref name="TEvent"/> (and, with <see cref="SubscriptionOptions.Topic"/>,
    /// one topic) and returns the events as an asynchronous stream. See <see cref="EventStreams"/>.</summary>
    /// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
    /// <param name="bus">The bus.</param>
    /// <param name="options">The subscription's settings; <see langword="null"/> for the defaults (capacity
    /// 1024, <see cref="BufferFullMode.Wait"/>, no topic). <see cref="SubscriptionOptions.Mode"/> must be
    /// <see cref="DeliveryMode.Queued"/> and <see cref="SubscriptionOptions.MaxConcurrency"/> 1.</param>
    /// <param name="cancellationToken">Ends the stream: the subscription is disposed and the loop throws
    /// <see cref="OperationCanceledException"/>.</param>
    /// <returns>A stream to enumerate once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for inline delivery or more than one
    /// handler call at a time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> is already cancelled
    /// (nothing was subscribed).</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="NotSupportedException"><paramref name="bus"/> was not created by
    /// <see cref="EventBusFactory.Create(EventBusOptions?)"/> or the dependency-injection package.</exception>
    public static IAsyncEnumerable<TEvent> StreamAsync<TEvent>(
        this IEventBus bus, SubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(bus, options, cancellationToken);
        return EventStream<TEvent, TEvent>.Start(bus, options, withContext: false, static (@event, _) => @event, cancellationToken);
    }

    /// <summary>As <see cref="StreamAsync{TEvent}(IEventBus, SubscriptionOptions?, CancellationToken)"/>, with
    /// each event's context (id, timestamp, topic, correlation id, headers, trace).</summary>
    /// <typeparam name="TEvent">The event type; events of derived types are received too.</typeparam>
    /// <param name="bus">The bus.</param>
    /// <param name="options">The subscription's settings; see <see cref="StreamAsync{TEvent}(IEventBus, SubscriptionOptions?, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Ends the stream: the subscription is disposed and the loop throws
    /// <see cref="OperationCanceledException"/>.</param>
    /// <returns>A stream of events with their contexts, to enumerate once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for inline delivery or more than one
    /// handler call at a time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> is already cancelled
    /// (nothing was subscribed).</exception>
    /// <exception cref="ObjectDisposedException">The bus was completed or disposed.</exception>
    /// <exception cref="NotSupportedException"><paramref name="bus"/> was not created by
    /// <see cref="EventBusFactory.Create(EventBusOptions?)"/> or the dependency-injection package.</exception>
    public static IAsyncEnumerable<(TEvent Event, EventContext Context)> StreamWithContextAsync<TEvent>(
        this IEventBus bus, SubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(bus, options, cancellationToken);
        return EventStream<TEvent, (TEvent, EventContext)>.Start(
            bus, options, withContext: true, static (@event, context) => (@event, context!), cancellationToken);
    }

    private static void Validate(IEventBus bus, SubscriptionOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (options is not null)
        {
            if (options.Mode != DeliveryMode.Queued)
            {
                throw new ArgumentException(
                    "A stream reads a queued subscription's buffer: SubscriptionOptions.Mode must be Queued.", nameof(options));
            }

            if (options.MaxConcurrency != 1)
            {
                throw new ArgumentException(
                    "A stream has one reader that takes events in order: SubscriptionOptions.MaxConcurrency must be 1.", nameof(options));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
