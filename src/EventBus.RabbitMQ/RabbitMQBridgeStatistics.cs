namespace EventBus.RabbitMQ;

/// <summary>A snapshot of the bridge's counters since it started.</summary>
/// <param name="Sent">Events the broker confirmed (publisher confirms): only these count as sent.</param>
/// <param name="Unroutable">Events the broker returned because no queue was bound for their routing key (not counted as sent, not retried).</param>
/// <param name="SendFailures">Forward attempts that failed: the broker away, a timeout or a nack (each retried), or an event that cannot
/// be sent as it is, too large or with a control character in a header (dead-lettered locally at once).</param>
/// <param name="Received">Messages delivered by the broker, redeliveries included.</param>
/// <param name="Redelivered">Deliveries the broker flagged as redelivered (seen before, perhaps handled).</param>
/// <param name="Acknowledged">Messages acknowledged after local handling.</param>
/// <param name="Requeued">Messages handed back to the broker unhandled (shutdown) or whose channel closed first.</param>
/// <param name="DeadLettered">Messages sent to the dead-letter exchange, with the reason.</param>
/// <param name="SkippedEchoes">Events that came in from the broker and were not forwarded back to the exchange and routing key
/// they came in on (the loop guard); each is also logged.</param>
public readonly record struct RabbitMQBridgeStatistics(
    long Sent,
    long Unroutable,
    long SendFailures,
    long Received,
    long Redelivered,
    long Acknowledged,
    long Requeued,
    long DeadLettered,
    long SkippedEchoes);
