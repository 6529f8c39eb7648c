namespace EventBus.Delivery;

/// <summary>How one message's delivery ended.</summary>
internal enum DeliveryOutcome
{
    /// <summary>The handler succeeded (on some attempt).</summary>
    Delivered = 0,

    /// <summary>Every attempt failed and the message went to the dead-letter sink.</summary>
    DeadLettered = 1,

    /// <summary>The consumer was stopped (dispose or drain deadline) before the message was handled.</summary>
    Abandoned = 2,
}
