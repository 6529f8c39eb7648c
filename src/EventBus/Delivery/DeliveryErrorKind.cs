namespace EventBus;

/// <summary>What failed, in a <see cref="DeliveryError"/>.</summary>
public enum DeliveryErrorKind
{
    /// <summary>A handler threw (or timed out) on one attempt.</summary>
    HandlerFailed = 0,

    /// <summary>The dead-letter sink threw while storing a dead letter.</summary>
    DeadLetterSinkFailed = 1,

    /// <summary>A user callback (<see cref="EventBusOptions.OnDropped"/>) threw.</summary>
    CallbackFailed = 2,
}
