using System.Text.Json;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Publishes each incoming event on the local bus (pub/sub in) and settles the delivery once every local
/// subscription it reached has finished with it (<see cref="PublishOptions.OnSettled"/>): acknowledged when
/// they handled it (or a local full mode dropped it, which the bus reports), acknowledged after the copy of
/// each local dead letter reached the dead-letter exchange, handed back to the broker when a subscription
/// stopped before handling it. Dispatch returns once the bus accepted the event, so the consumer goes on
/// with the next delivery while the handlers run; the prefetch window bounds how many are in hand.
/// </summary>
internal sealed class RelayHandler<T>(RabbitMQBridge bridge, MessageType<T> type, string? topic) : InboundHandler(type)
{
    private readonly PendingSettlements _pending = new();

    internal override async ValueTask DispatchAsync(Delivery delivery, CancellationToken stopping)
    {
        var message = delivery.Message;
        var @event = Deserialize(type, message);
        var subject = string.IsNullOrWhiteSpace(message.Subject) ? null : message.Subject;
        var headers = Envelope.LocalHeaders(message);

        // The local publish happens inside the consumer span, so the bus's context carries the remote trace.
        using var activity = BridgeTelemetry.StartProcess(delivery.Endpoint.QueueName, message, delivery.Endpoint.ConsumerGroup);
        var start = bridge.Time.GetTimestamp();
        var policy = bridge.Options.InboundRetryPolicy;
        for (var attempt = 1; ; attempt++)
        {
            // One settlement per attempt: a refused attempt settles on its own and must not settle the delivery.
            var settled = new TaskCompletionSource<PublishSettlement>(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = new PublishOptions
            {
                // The sender's id and time: a redelivery (or a resend) is the same event to a handler that deduplicates.
                Id = message.ContextId(),
                Timestamp = message.Time,
                Topic = topic ?? subject,
                CorrelationId = message.CorrelationId,
                CausationId = message.CausationId,
                Headers = headers,
                OnSettled = settlement => settled.TrySetResult(settlement),
            };

            try
            {
                await bridge.Bus.PublishAsync(@event, options, stopping).ConfigureAwait(false);
                _pending.Track(SettleWhenFinishedAsync(delivery, settled.Task, start));
                return;
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
    }

    /// <summary>Waits until the handlers that received the event are done with it, until the deadline.</summary>
    internal override ValueTask StopAsync(CancellationToken deadline) => _pending.WhenDoneAsync(deadline);

    private async Task SettleWhenFinishedAsync(Delivery delivery, Task<PublishSettlement> settled, long start)
    {
        try
        {
            await SettleAsync(delivery, await settled.ConfigureAwait(false), start).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Settling reports its own failures; anything else leaves the delivery unacknowledged, and the
            // broker redelivers it when the channel closes.
            Log.SettleFailed(bridge.Logger, ex, "settle", delivery.Message.DeliveryTag, delivery.Endpoint.QueueName);
        }
    }

    private async Task SettleAsync(Delivery delivery, PublishSettlement settlement, long start)
    {
        bridge.Telemetry.RecordProcessDuration(delivery.Endpoint.QueueName, bridge.Time.GetElapsedTime(start), null);
        if (settlement.Abandoned > 0)
        {
            // A local subscription stopped before handling it: the broker keeps it for another try (the
            // subscriptions that did handle it will see it again; handlers are idempotent).
            await delivery.RequeueAsync().ConfigureAwait(false);
            return;
        }

        if (settlement.DeadLettered > 0 && !await bridge.DeadLetterCopiesSentAsync(settlement.Context).ConfigureAwait(false))
        {
            await delivery.DeadLetterAsync(
                RabbitMQDeadLetterReasons.HandlerFailed,
                $"{settlement.DeadLettered} local subscription(s) gave up on the event, and not each of them has a copy on the dead-letter exchange (a copy failed, or the subscription was the bridge's own forwarder), so the message itself is dead-lettered.",
                exception: null,
                attempts: 0).ConfigureAwait(false);
            return;
        }

        await delivery.AckAsync().ConfigureAwait(false);
    }

    internal static TValue Deserialize<TValue>(MessageType<TValue> type, IncomingMessage message)
    {
        TValue? value;
        try
        {
            value = type.Deserialize(message.Body.Span);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new MessageRejectedException(RabbitMQDeadLetterReasons.DeserializationFailed, $"The body is not a valid {type.Name}: {ex.Message}", ex);
        }

        return value ?? throw new MessageRejectedException(RabbitMQDeadLetterReasons.DeserializationFailed, $"The body is a JSON null, not a {type.Name}.");
    }

    internal static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";
}
