namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>What the gateway answered to one charge request.</summary>
internal enum GatewayAnswer
{
    /// <summary>Money moved, and the reply reached the worker.</summary>
    Charged,

    /// <summary>Money moved, but the reply was lost on the way back: the worker saw an error.</summary>
    ChargedReplyLost,

    /// <summary>The key was seen before: the first receipt is returned and no money moves.</summary>
    Duplicate,

    /// <summary>Nothing moved; the request failed.</summary>
    Failed,
}

/// <summary>One request to the gateway: which payment, under which key, when, and what came of it.</summary>
internal sealed record GatewayRequest(
    int Number,
    string PaymentId,
    string IdempotencyKey,
    TimeSpan At,
    bool AfterFix,
    GatewayAnswer Answer,
    string Detail,
    Exception? Error);
