using System.Collections.Concurrent;

using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Consumers;

/// <summary>Every face of the consumer engine, as the lifecycle tests drive them.</summary>
public enum FaceKind
{
    QueuedSubscription,
    ParallelSubscription,
    InlineSubscription,
    DirectQueue,
    PartitionedQueue,
    BatchedQueue,
}

/// <summary>
/// One consumer (a subscription on its own bus, or a work queue) behind the calls every face has:
/// offer, drain with a deadline, dispose asynchronously (bounded by the drain timeout), dispose at once;
/// and, for a subscription, its bus's own stop calls. The items are ints; <see cref="ProbeHandler"/>
/// handles them.
/// </summary>
public abstract class ConsumerFace : IAsyncDisposable
{
    /// <summary>The drain timeout every face gets, on <see cref="Time"/>. Short, because a subscription's Dispose
    /// waits (on the real clock) up to this long for a handler that ignores its token.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    protected ConsumerFace(ProbeHandler handler, TestTimeProvider time, TimeSpan drainTimeout, RetryPolicy retryPolicy)
    {
        Handler = handler;
        Time = time;
        ConfiguredDrainTimeout = drainTimeout;
        RetryPolicy = retryPolicy;
        Options = new EventBusOptions { TimeProvider = time, DrainTimeout = drainTimeout, OnDropped = Drops.Enqueue };
    }

    public ProbeHandler Handler { get; }

    public TestTimeProvider Time { get; }

    public ConcurrentQueue<DroppedEvent> Drops { get; } = new();

    /// <summary>The drain timeout this face was given (<see cref="DrainTimeout"/> unless <see cref="Create"/> was told otherwise).</summary>
    public TimeSpan ConfiguredDrainTimeout { get; }

    /// <summary>True for a subscription: its bus takes stop requests of its own (<see cref="StopBusAsync"/>, <see cref="StopBus"/>).</summary>
    public virtual bool HasBus => false;

    public abstract int Workers { get; }

    public abstract Outcomes Outcomes { get; }

    protected EventBusOptions Options { get; }

    protected RetryPolicy RetryPolicy { get; }

    /// <summary>Creates a face over a new consumer.</summary>
    /// <param name="kind">Which face.</param>
    /// <param name="handler">Handles every item.</param>
    /// <param name="capacity">The consumer's buffer.</param>
    /// <param name="retryPolicy">How failed items are retried; the default is <see cref="RetryPolicy.None"/>.</param>
    /// <param name="drainTimeout">The drain timeout; the default is <see cref="DrainTimeout"/>.</param>
    public static ConsumerFace Create(FaceKind kind, ProbeHandler handler, int capacity = 1024, RetryPolicy? retryPolicy = null, TimeSpan? drainTimeout = null)
    {
        var time = new TestTimeProvider();
        var timeout = drainTimeout ?? DrainTimeout;
        var retries = retryPolicy ?? RetryPolicy.None;
        return kind switch
        {
            FaceKind.QueuedSubscription => new SubscriptionFace(handler, time, timeout, retries, DeliveryMode.Queued, 1, capacity),
            FaceKind.ParallelSubscription => new SubscriptionFace(handler, time, timeout, retries, DeliveryMode.Queued, 4, capacity),
            FaceKind.InlineSubscription => new SubscriptionFace(handler, time, timeout, retries, DeliveryMode.Inline, 1, capacity),
            _ => new QueueFace(handler, time, timeout, retries, kind, capacity),
        };
    }

    public abstract ValueTask OfferAsync(int item, CancellationToken cancellationToken = default);

    /// <summary>The face's synchronous offer: the bus's <c>Publish</c> (which throws <see cref="ObjectDisposedException"/>
    /// once the bus is closing) or the queue's <c>TryEnqueue</c>.</summary>
    /// <returns>False when a queue refused the item.</returns>
    public abstract bool Offer(int item);

    /// <summary>The face's drain: the bus's <c>CompleteAsync</c> for a subscription, the queue's for a queue.</summary>
    public abstract ValueTask<DrainResult> CompleteAsync(CancellationToken deadline = default);

    /// <summary>The face's <c>DisposeAsync</c> (of the subscription, or the queue): a drain bounded by <see cref="DrainTimeout"/>.</summary>
    public abstract ValueTask StopAsync();

    /// <summary>The face's <c>Dispose</c> (of the subscription, or the queue): a halt.</summary>
    public abstract void Stop();

    /// <summary>The bus's <c>DisposeAsync</c>, for a subscription face (<see cref="HasBus"/>).</summary>
    public virtual ValueTask StopBusAsync() => throw new NotSupportedException("A work queue has no bus.");

    /// <summary>The bus's <c>Dispose</c>, for a subscription face (<see cref="HasBus"/>).</summary>
    public virtual void StopBus() => throw new NotSupportedException("A work queue has no bus.");

    public abstract ValueTask DisposeAsync();

    /// <summary>Checks the engine's own books too (its accepted count and nothing outstanding).</summary>
    public abstract void ShouldBalanceInEngine(long accepted);

    private sealed class SubscriptionFace : ConsumerFace
    {
        private readonly IEventBus _bus;
        private readonly IEventSubscription _subscription;

        internal SubscriptionFace(ProbeHandler handler, TestTimeProvider time, TimeSpan drainTimeout, RetryPolicy retryPolicy, DeliveryMode mode, int workers, int capacity)
            : base(handler, time, drainTimeout, retryPolicy)
        {
            _bus = EventBusFactory.Create(Options);
            Workers = workers;
            _subscription = _bus.Subscribe<int>(handler.HandleAsync, new SubscriptionOptions
            {
                Mode = mode,
                MaxConcurrency = workers,
                Capacity = capacity,
                RetryPolicy = RetryPolicy,
                Name = "probe",
            });
        }

        public override int Workers { get; }

        public override bool HasBus => true;

        public override Outcomes Outcomes => Outcomes.Of(_subscription.GetStatistics());

        public override ValueTask OfferAsync(int item, CancellationToken cancellationToken = default) => _bus.PublishAsync(item, cancellationToken);

        public override bool Offer(int item)
        {
            _bus.Publish(item);
            return true;
        }

        public override ValueTask<DrainResult> CompleteAsync(CancellationToken deadline = default) => _bus.CompleteAsync(deadline);

        public override ValueTask StopAsync() => _subscription.DisposeAsync();

        public override void Stop() => _subscription.Dispose();

        public override ValueTask StopBusAsync() => _bus.DisposeAsync();

        public override void StopBus() => _bus.Dispose();

        public override async ValueTask DisposeAsync()
        {
            Handler.Release();
            _bus.Dispose();
            await Task.CompletedTask;
        }

        public override void ShouldBalanceInEngine(long accepted) =>
            ((EventBus.PubSub.Subscription<int>)_subscription).Consumer.ShouldBalance(accepted);
    }

    private sealed class QueueFace : ConsumerFace
    {
        private readonly WorkQueue<int> _queue;

        internal QueueFace(ProbeHandler handler, TestTimeProvider time, TimeSpan drainTimeout, RetryPolicy retryPolicy, FaceKind kind, int capacity)
            : base(handler, time, drainTimeout, retryPolicy)
        {
            var options = new WorkQueueOptions<int>
            {
                Name = "probe",
                WorkerCount = 2,
                Capacity = capacity,
                RetryPolicy = RetryPolicy,
                Shared = Options,
                MaxBatchSize = 4,
            };
            if (kind == FaceKind.PartitionedQueue)
            {
                options.PartitionBy(item => item % 3);
            }

            _queue = kind == FaceKind.BatchedQueue
                ? WorkQueue.CreateBatched<int>(handler.HandleBatchAsync, options)
                : WorkQueue.Create<int>(handler.HandleAsync, options);
        }

        public override int Workers => 2;

        public override Outcomes Outcomes => Outcomes.Of(_queue.GetStatistics());

        public override ValueTask OfferAsync(int item, CancellationToken cancellationToken = default) => _queue.EnqueueAsync(item, cancellationToken);

        public override bool Offer(int item) => _queue.TryEnqueue(item);

        public override async ValueTask<DrainResult> CompleteAsync(CancellationToken deadline = default) => await _queue.CompleteAsync(deadline);

        public override ValueTask StopAsync() => _queue.DisposeAsync();

        public override void Stop() => _queue.Dispose();

        public override async ValueTask DisposeAsync()
        {
            Handler.Release();
            _queue.Dispose();
            await Task.CompletedTask;
        }

        public override void ShouldBalanceInEngine(long accepted) => _queue.Consumer.ShouldBalance(accepted);
    }
}

/// <summary>The counting check on the engine's own books: its accepted count and nothing outstanding.</summary>
internal static class EngineOutcomeAssertions
{
    internal static void ShouldBalance<T>(this EventBus.Consumers.Consumer<T> consumer, long accepted, string what = "the engine")
    {
        consumer.Accepted.Should().Be(accepted, "{0} counted every offer it took, and only those", what);
        new Outcomes(consumer.Delivered, consumer.DeadLettered, consumer.Dropped, consumer.Abandoned).ShouldBalance(accepted, what);
        consumer.Outstanding().Should().Be(0, "{0} is quiescent", what);
    }
}
