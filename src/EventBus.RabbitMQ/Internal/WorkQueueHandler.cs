using System.Collections.Concurrent;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Hands each incoming message to a local <see cref="WorkQueue{T}"/> (work queue in) and settles it by
/// the outcome: acknowledged when the handler succeeded, dead-lettered with the reason when the queue gave
/// up on it, handed back to the broker when the queue was stopped before handling it. The queue's retries,
/// timeout and workers apply; the message stays unacknowledged (and so safe at the broker) meanwhile.
/// </summary>
internal sealed class WorkQueueHandler<T> : InboundHandler
    where T : class
{
    private readonly RabbitMQBridge _bridge;
    private readonly MessageType<T> _type;
    private readonly string _queueName;
    private readonly Action<WorkQueueOptions<T>>? _configure;
    private readonly Func<IServiceProvider, T, EventContext, CancellationToken, ValueTask> _invoke;

    // Items are fresh objects per delivery, so their identity finds their delivery again.
    private readonly ConcurrentDictionary<T, Pending> _pending = new(ReferenceEqualityComparer.Instance);
    private WorkQueue<T>? _queue;
    private InboundEndpoint? _endpoint;

    internal WorkQueueHandler(
        RabbitMQBridge bridge,
        MessageType<T> type,
        string queueName,
        Action<WorkQueueOptions<T>>? configure,
        Func<IServiceProvider, T, EventContext, CancellationToken, ValueTask> invoke)
        : base(type)
    {
        _bridge = bridge;
        _type = type;
        _queueName = queueName;
        _configure = configure;
        _invoke = invoke;
    }

    internal override void Start(InboundEndpoint endpoint)
    {
        _endpoint = endpoint;
        var bus = _bridge.BusOptions;
        var userOnDropped = bus.OnDropped;

        // The queue shares the bus's clock, logger, meter and error callback; failures and drops come to
        // the bridge, which settles the broker message they belong to.
        var shared = new EventBusOptions
        {
            TimeProvider = bus.TimeProvider,
            LoggerFactory = bus.LoggerFactory,
            MeterFactory = bus.MeterFactory,
            LinkProcessSpans = bus.LinkProcessSpans,
            DrainTimeout = bus.DrainTimeout,
            OnError = bus.OnError,
            DeadLetterSink = new BrokerSink(this),
            OnDropped = dropped =>
            {
                OnDropped(dropped);
                userOnDropped?.Invoke(dropped);
            },
        };
        var options = new WorkQueueOptions<T> { Name = $"rabbitmq:{_queueName}" };
        _configure?.Invoke(options);
        options.Shared = shared;
        _queue = WorkQueue.Create<T>(HandleAsync, options);
    }

    internal override async ValueTask DispatchAsync(Delivery delivery, CancellationToken stopping)
    {
        var message = delivery.Message;
        var item = RelayHandler<T>.Deserialize(_type, message);
        var subject = string.IsNullOrWhiteSpace(message.Subject) ? null : message.Subject;
        var context = new EventContext(message.Key(), message.Time ?? _bridge.Time.GetUtcNow(), typeof(T))
        {
            Topic = subject,
            CorrelationId = message.CorrelationId,
            CausationId = message.CausationId,
            Headers = Envelope.LocalHeaders(message),
            TraceContext = message.RemoteContext,
        };
        _pending[item] = new Pending(delivery, context);
        try
        {
            await _queue!.EnqueueAsync(item, stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            _pending.TryRemove(item, out _);
            await delivery.RequeueAsync().ConfigureAwait(false);
        }
    }

    internal override async ValueTask StopAsync(CancellationToken deadline)
    {
        if (_queue is { } queue)
        {
            await queue.CompleteAsync(deadline).ConfigureAwait(false);
        }
    }

    private async ValueTask HandleAsync(T item, EventContext queueContext, CancellationToken cancellationToken)
    {
        if (!_pending.TryGetValue(item, out var pending))
        {
            // Not from the broker (a re-driven dead letter, say): just handle it.
            await _invoke(_bridge.Services, item, queueContext, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (pending.Delivery.IsStale)
        {
            // The connection dropped while this waited: the broker has it back and will redeliver it,
            // so handling it here too would only make a duplicate.
            _pending.TryRemove(item, out _);
            await pending.Delivery.AckAsync().ConfigureAwait(false);
            return;
        }

        using var activity = BridgeTelemetry.StartProcess(_endpoint!.QueueName, pending.Delivery.Message, _queueName);
        var start = _bridge.Time.GetTimestamp();
        try
        {
            await _invoke(_bridge.Services, item, pending.Context, cancellationToken).ConfigureAwait(false);

            // A timed-out attempt counts as failed even if the handler returned afterwards.
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (Exception ex)
        {
            BridgeTelemetry.Fail(activity, ex);
            _bridge.Telemetry.RecordProcessDuration(_queueName, _bridge.Time.GetElapsedTime(start), ex);
            throw;
        }

        _bridge.Telemetry.RecordProcessDuration(_queueName, _bridge.Time.GetElapsedTime(start), null);
        if (_pending.TryRemove(item, out _))
        {
            await pending.Delivery.AckAsync().ConfigureAwait(false);
        }
    }

    private void OnDropped(DroppedEvent dropped)
    {
        if (dropped.Event is not T item || !_pending.TryRemove(item, out var pending))
        {
            return;
        }

        // Settling talks to the broker; the callback must not block the queue that reports the drop.
        _ = dropped.Reason == DropReason.HandlerFailed
            ? pending.Delivery.DeadLetterAsync(RabbitMQDeadLetterReasons.HandlerFailed, "The handler failed and the queue does not dead-letter failures.", null, 1).AsTask()
            : pending.Delivery.RequeueAsync().AsTask();
    }

    private async ValueTask WriteDeadLetterAsync(DeadLetter deadLetter)
    {
        if (deadLetter.Message is T item && _pending.TryRemove(item, out var pending))
        {
            await pending.Delivery.DeadLetterAsync(
                RabbitMQDeadLetterReasons.HandlerFailed,
                RelayHandler<T>.Describe(deadLetter.Exception),
                deadLetter.Exception,
                deadLetter.Attempts).ConfigureAwait(false);
        }
    }

    private sealed record Pending(Delivery Delivery, EventContext Context);

    /// <summary>The local queue's dead-letter sink: the broker's dead-letter exchange.</summary>
    private sealed class BrokerSink(WorkQueueHandler<T> owner) : IDeadLetterSink
    {
        public ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken) => owner.WriteDeadLetterAsync(deadLetter);
    }
}
