namespace EventBus;

/// <summary>The names under which the bus reports traces and metrics, for OpenTelemetry:
/// <c>tracing.AddSource(EventBusDiagnostics.ActivitySourceName)</c>, <c>metrics.AddMeter(EventBusDiagnostics.MeterName)</c>.</summary>
/// <remarks>Spans and instruments follow the OpenTelemetry messaging conventions (<c>messaging.system</c> =
/// <c>eventbus</c>): a <c>publish {destination}</c> producer span per publish or enqueue, a <c>process {destination}</c>
/// consumer span per handler attempt (linked to the publisher's span), <c>messaging.client.sent.messages</c>,
/// <c>messaging.client.consumed.messages</c>, <c>messaging.process.duration</c>, and <c>eventbus.queue.depth</c>,
/// <c>eventbus.consumer.lag</c>, <c>eventbus.messages.dropped</c>, <c>eventbus.messages.retried</c>,
/// <c>eventbus.messages.dead_lettered</c>. Nothing is created or measured while nobody listens.</remarks>
public static class EventBusDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: <c>EventBus</c>.</summary>
    public const string ActivitySourceName = "EventBus";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>EventBus</c>.</summary>
    public const string MeterName = "EventBus";
}
