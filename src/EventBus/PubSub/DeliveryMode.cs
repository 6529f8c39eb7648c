namespace EventBus;

/// <summary>How a subscription's handler is called.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// The subscription has its own bounded buffer and consumer loop: the publisher only writes to
    /// the buffer, and a slow or failing handler never holds up the publisher or other
    /// subscriptions. The default.
    /// </summary>
    Queued = 0,

    /// <summary>
    /// The handler runs on the publisher's thread during the publish: lowest latency, no buffer.
    /// Exceptions are still caught and never reach the publisher; retries run off the publisher's
    /// thread.
    /// </summary>
    Inline = 1,
}
