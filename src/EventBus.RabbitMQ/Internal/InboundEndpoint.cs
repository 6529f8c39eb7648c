using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// One queue this instance consumes: its own pub/sub queue, or a shared work queue. It owns a channel with
/// a bounded prefetch, reads each delivery, hands it to the handler registered for its type, and settles
/// it. Nothing a message does can stop the consumer: every failure ends in a dead letter or a requeue.
/// </summary>
internal sealed class InboundEndpoint : IDisposable
{
    private readonly RabbitMQBridge _bridge;
    private readonly Dictionary<string, InboundHandler> _handlers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _routingKeys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IChannel? _channel;
    private string? _consumerTag;
    private int _generation;

    internal InboundEndpoint(RabbitMQBridge bridge, string queueName, QueueKind kind, string? consumerGroup)
    {
        _bridge = bridge;
        QueueName = queueName;
        Kind = kind;
        ConsumerGroup = consumerGroup;
    }

    internal enum QueueKind
    {
        /// <summary>This instance's own queue, deleted with its connection.</summary>
        Exclusive,

        /// <summary>This instance's own queue, durable, expiring when unused.</summary>
        DurableInstance,

        /// <summary>A durable queue shared by every instance.</summary>
        Shared,
    }

    internal string QueueName { get; private set; }

    internal QueueKind Kind { get; }

    /// <summary>The consumer group name for telemetry (the shared queue), or null for an instance queue.</summary>
    internal string? ConsumerGroup { get; }

    internal int Generation => Volatile.Read(ref _generation);

    internal RabbitMQBridge Bridge => _bridge;

    internal void Add(string routingKey, InboundHandler handler)
    {
        _routingKeys.Add(routingKey);
        if (!_handlers.TryAdd(handler.Type.Name, handler))
        {
            throw new InvalidOperationException($"The type '{handler.Type.Name}' is registered twice to come in on queue '{QueueName}'.");
        }
    }

    /// <summary>The channel shut down (connection lost, or closed by us): deliveries in hand are stale from now on.</summary>
    internal void Invalidate() => Interlocked.Increment(ref _generation);

    internal async Task StartAsync(IConnection connection, CancellationToken cancellationToken)
    {
        foreach (var handler in _handlers.Values)
        {
            handler.Start(this);
        }

        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, _) =>
        {
            Invalidate();
            return Task.CompletedTask;
        };
        await channel.BasicQosAsync(0, _bridge.Options.PrefetchCount, global: false, cancellationToken).ConfigureAwait(false);

        // A shared queue belongs to the topology (declared with it, or at deploy time); an instance's own queue is
        // this instance's to declare and bind, whoever declared the rest.
        if (Kind != QueueKind.Shared)
        {
            var arguments = Topology.QueueArguments(_bridge.Options);
            QueueDeclareOk declared;
            if (Kind == QueueKind.Exclusive)
            {
                declared = await channel.QueueDeclareAsync(QueueName, durable: false, exclusive: true, autoDelete: true, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                arguments["x-expires"] = (int)Math.Min(int.MaxValue, _bridge.Options.InstanceQueueExpiry.TotalMilliseconds);
                declared = await channel.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            QueueName = declared.QueueName;
            foreach (var routingKey in _routingKeys)
            {
                await channel.QueueBindAsync(QueueName, _bridge.Options.ExchangeName, routingKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += OnReceivedAsync;
        _channel = channel;
        _consumerTag = await channel.BasicConsumeAsync(QueueName, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking deliveries, lets local work finish until the deadline, then closes the channel
    /// (the broker requeues whatever is still unacknowledged).</summary>
    internal async Task StopAsync(CancellationToken deadline)
    {
        var channel = _channel;
        if (channel is null)
        {
            return;
        }

        if (_consumerTag is not null && channel.IsOpen)
        {
            try
            {
                await channel.BasicCancelAsync(_consumerTag, noWait: false, deadline).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The channel may be recovering or gone; closing it below has the same effect.
            }
        }

        // Deliveries still waiting to get into the local bus or queue give up and go back to the broker;
        // what is already inside finishes until the deadline.
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var handler in _handlers.Values)
        {
            await handler.StopAsync(deadline).ConfigureAwait(false);
        }
        try
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already closed with its connection.
        }

        channel.Dispose();
        _channel = null;
        Log.Stopped(_bridge.Logger, QueueName);
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs args)
    {
        var generation = Generation;
        Delivery? delivery = null;
        try
        {
            var options = _bridge.Options;
            var message = Envelope.Read(args, options.MaxMessageSize);
            delivery = new Delivery(this, message, generation);
            _bridge.CountReceived(QueueName, message.Redelivered);

            // Too large: dead-lettered from the client's buffer, within this callback, without a copy or a parse.
            if (message.TooLarge)
            {
                await delivery.DeadLetterAsync(
                    RabbitMQDeadLetterReasons.TooLarge,
                    string.Create(CultureInfo.InvariantCulture, $"The body is {message.Body.Length} bytes, more than MaxMessageSize ({options.MaxMessageSize} bytes); it was not read."),
                    exception: null,
                    attempts: 1).ConfigureAwait(false);
                return;
            }

            if (message.InvalidHeader is { } problem)
            {
                await delivery.DeadLetterAsync(RabbitMQDeadLetterReasons.InvalidHeader, problem, exception: null, attempts: 1).ConfigureAwait(false);
                return;
            }

            if (message.TypeName is null || !_handlers.TryGetValue(message.TypeName, out var handler))
            {
                await delivery.DeadLetterAsync(
                    RabbitMQDeadLetterReasons.UnknownType,
                    message.TypeName is null
                        ? "The message names no type (no cloudEvents:type header and no type property)."
                        : $"No type named '{SenderText.Escape(message.TypeName)}' is registered to come in on queue '{QueueName}'.",
                    exception: null,
                    attempts: 1).ConfigureAwait(false);
                return;
            }

            if (message.ContentType is { } contentType && !IsJson(contentType))
            {
                await delivery.DeadLetterAsync(
                    RabbitMQDeadLetterReasons.UnsupportedContentType, $"The content type '{SenderText.Escape(contentType)}' is not JSON.", null, 1).ConfigureAwait(false);
                return;
            }

            if (message.SchemaVersion > handler.Type.SchemaVersion)
            {
                await delivery.DeadLetterAsync(
                    RabbitMQDeadLetterReasons.UnsupportedSchemaVersion,
                    string.Create(CultureInfo.InvariantCulture, $"Schema version {message.SchemaVersion} of '{message.TypeName}' is newer than the known version {handler.Type.SchemaVersion}."),
                    null,
                    1).ConfigureAwait(false);
                return;
            }

            await handler.DispatchAsync(delivery, _stopping.Token).ConfigureAwait(false);
        }
        catch (MessageRejectedException rejected)
        {
            await delivery!.DeadLetterAsync(rejected.Reason, rejected.Message, rejected.InnerException, 1).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never let a message break the consumer: hand it back and keep going.
            Log.ConsumerFailed(_bridge.Logger, ex, args.DeliveryTag, QueueName);
            if (delivery is not null)
            {
                await delivery.RequeueAsync().ConfigureAwait(false);
            }
            else
            {
                await SettleAsync("requeue", args.DeliveryTag, generation, static (channel, tag) => channel.BasicNackAsync(tag, multiple: false, requeue: true)).ConfigureAwait(false);
            }
        }
    }

    internal async ValueTask AckAsync(Delivery delivery)
    {
        if (await SettleAsync("acknowledge", delivery.Message.DeliveryTag, delivery.Generation, static (channel, tag) => channel.BasicAckAsync(tag, multiple: false)).ConfigureAwait(false))
        {
            _bridge.CountAcknowledged();
        }
        else
        {
            Log.StaleDelivery(_bridge.Logger, delivery.Message.DeliveryTag, delivery.Message.Id, QueueName);
            _bridge.CountRequeued();
        }
    }

    internal async ValueTask RequeueAsync(Delivery delivery)
    {
        await SettleAsync("requeue", delivery.Message.DeliveryTag, delivery.Generation, static (channel, tag) => channel.BasicNackAsync(tag, multiple: false, requeue: true)).ConfigureAwait(false);
        _bridge.CountRequeued();
    }

    internal async ValueTask DeadLetterAsync(Delivery delivery, string reason, string detail, Exception? exception, int attempts)
    {
        var message = delivery.Message;
        if (delivery.IsStale)
        {
            // The broker put it back already; whoever receives it again decides again.
            Log.StaleDelivery(_bridge.Logger, message.DeliveryTag, message.Id, QueueName);
            _bridge.CountRequeued();
            return;
        }

        Log.DeadLettered(_bridge.Logger, message.Id, message.TypeName, QueueName, reason, detail);
        try
        {
            await _bridge.PublishDeadLetterAsync(message, QueueName, reason, detail, exception, attempts).ConfigureAwait(false);
            await SettleAsync("acknowledge", message.DeliveryTag, delivery.Generation, static (channel, tag) => channel.BasicAckAsync(tag, multiple: false)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The queue's own dead-letter exchange still takes it, with the broker's x-death header but not ours.
            Log.DeadLetterPublishFailed(_bridge.Logger, ex, message.Id, QueueName);
            await SettleAsync("reject", message.DeliveryTag, delivery.Generation, static (channel, tag) => channel.BasicRejectAsync(tag, requeue: false)).ConfigureAwait(false);
        }

        _bridge.CountDeadLettered(QueueName, reason);
    }

    /// <summary>Acks, nacks or rejects on the channel the delivery came on; false when that channel is gone.</summary>
    private async ValueTask<bool> SettleAsync(string operation, ulong deliveryTag, int generation, Func<IChannel, ulong, ValueTask> settle)
    {
        var channel = _channel;
        if (channel is null || Generation != generation || !channel.IsOpen)
        {
            return false;
        }

        // Settling from several workers at once: keep the frames on this channel one at a time.
        await _channelGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Generation != generation)
            {
                return false;
            }

            await settle(channel, deliveryTag).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            Log.SettleFailed(_bridge.Logger, ex, operation, deliveryTag, QueueName);
            return false;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _channelGate.Dispose();
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);
}
