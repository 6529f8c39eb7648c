namespace EventBus.RabbitMQ;

/// <summary>
/// The names under which the bridge reports traces and metrics of its broker legs, with
/// <c>messaging.system</c> = <c>rabbitmq</c>: <c>tracing.AddSource(RabbitMQDiagnostics.ActivitySourceName)</c>
/// and <c>metrics.AddMeter(RabbitMQDiagnostics.MeterName)</c>. The local legs are reported by the bus under
/// <see cref="EventBusDiagnostics"/>'s names.
/// </summary>
/// <remarks>
/// Spans: <c>publish {exchange}</c> (PRODUCER, child of the local publisher's span, its context sent as
/// <c>traceparent</c>) and <c>process {queue}</c> (CONSUMER, child of the remote <c>traceparent</c>, so one trace
/// spans both processes). Instruments: <c>messaging.client.sent.messages</c> (counted once the broker
/// confirmed), <c>messaging.client.consumed.messages</c>, <c>messaging.process.duration</c>,
/// <c>eventbus.rabbitmq.redelivered</c>, <c>eventbus.rabbitmq.unroutable</c> and
/// <c>eventbus.messages.dead_lettered</c> (tagged with the reason).
/// </remarks>
public static class RabbitMQDiagnostics
{
    /// <summary>The name of the bridge's <see cref="System.Diagnostics.ActivitySource"/>: <c>EventBus.RabbitMQ</c>.</summary>
    public const string ActivitySourceName = "EventBus.RabbitMQ";

    /// <summary>The name of the bridge's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>EventBus.RabbitMQ</c>.</summary>
    public const string MeterName = "EventBus.RabbitMQ";
}
