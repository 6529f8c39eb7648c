namespace EventBus.Samples.Scenes.Durability;

/// <summary>One call of the handler in the worker process: which run, which order, what the queue told it (message id,
/// attempt, redelivered), and what it did.</summary>
internal sealed record HandlerCall(int Run, int Order, Guid MessageId, int Attempt, bool Redelivered)
{
    /// <summary>The parcel was handed to the courier in this call.</summary>
    public bool Shipped { get; init; }

    /// <summary>The ledger said the parcel had already left: nothing was shipped.</summary>
    public bool Skipped { get; init; }

    /// <summary>The call hung (first run only) and never returned.</summary>
    public bool Hung { get; init; }

    /// <summary>The call returned.</summary>
    public bool Finished { get; init; }
}
