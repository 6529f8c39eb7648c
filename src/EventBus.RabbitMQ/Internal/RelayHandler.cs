using System.Text.Json;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Publishes each incoming event on the local bus (pub/sub in). The delivery is acknowledged once every
/// matching local subscription accepted the event; a local publish that waits for space holds the
/// delivery, and with it the prefetch window, so a slow local subscriber slows the broker down too.
/// </summary>
internal sealed class RelayHandler<T>(RabbitMQBridge bridge, MessageType<T> type, string? topic) : InboundHandler(type)
{
    internal override async ValueTask DispatchAsync(Delivery delivery, CancellationToken stopping)
    {
        var message = delivery.Message;
        var @event = Deserialize(type, message);
        var subject = string.IsNullOrWhiteSpace(message.Subject) ? null : message.Subject;
        var options = new PublishOptions
        {
            Topic = topic ?? subject,
            CorrelationId = message.CorrelationId,
            Headers = Envelope.LocalHeaders(message),
        };

        if (@event is { } relayed and not ValueType)
        {
            bridge.Relayed.AddOrUpdate(relayed, new RelayedEvent(options.Headers, options.CorrelationId, options.Topic));
        }

        // The local publish happens inside the consumer span, so the bus's context carries the remote trace.
        using var activity = BridgeTelemetry.StartProcess(delivery.Endpoint.QueueName, message, delivery.Endpoint.ConsumerGroup);
        var start = bridge.Time.GetTimestamp();
        var policy = bridge.Options.InboundRetryPolicy;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await bridge.Bus.PublishAsync(@event, options, stopping).ConfigureAwait(false);
                break;
            }
            catch (EventBusFullException full) when (attempt <= policy.MaxRetries && !stopping.IsCancellationRequested)
            {
                BridgeTelemetry.Fail(activity, full);
                try
                {
                    await Task.Delay(policy.GetDelay(attempt), bridge.Time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await delivery.RequeueAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (EventBusFullException full)
            {
                BridgeTelemetry.Fail(activity, full);
                bridge.Telemetry.RecordProcessDuration(delivery.Endpoint.QueueName, bridge.Time.GetElapsedTime(start), full);
                await delivery.DeadLetterAsync(RabbitMQDeadLetterReasons.LocalPublishFailed, Describe(full), full, attempt).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
            {
                // The bus is shutting down, or so are we: the message is not ours to lose.
                await delivery.RequeueAsync().ConfigureAwait(false);
                return;
            }
        }

        bridge.Telemetry.RecordProcessDuration(delivery.Endpoint.QueueName, bridge.Time.GetElapsedTime(start), null);
        await delivery.AckAsync().ConfigureAwait(false);
    }

    internal static TValue Deserialize<TValue>(MessageType<TValue> type, IncomingMessage message)
    {
        TValue? value;
        try
        {
            value = type.Deserialize(message.Body);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new MessageRejectedException(RabbitMQDeadLetterReasons.DeserializationFailed, $"The body is not a valid {type.Name}: {ex.Message}", ex);
        }

        return value ?? throw new MessageRejectedException(RabbitMQDeadLetterReasons.DeserializationFailed, $"The body is a JSON null, not a {type.Name}.");
    }

    internal static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";
}
