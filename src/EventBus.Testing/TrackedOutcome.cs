namespace EventBus.Testing;

/// <summary>How one consumer (a subscription or a work queue) finished with one tracked message.</summary>
public enum TrackedOutcomeKind
{
    /// <summary>The handler succeeded, on the first attempt or a retry.</summary>
    Handled,

    /// <summary>Every attempt failed: the message went to the dead-letter sink.</summary>
    DeadLettered,

    /// <summary>The consumer dropped it by its full mode, refused it, or (with dead-lettering off) gave it up after
    /// its handler failed; <see cref="TrackedOutcome.Reason"/> says which.</summary>
    Dropped,

    /// <summary>The consumer stopped before it finished the message, or the publish never reached it (a cancelled
    /// wait for space, a refused enqueue).</summary>
    Abandoned,
}

/// <summary>How one consumer finished with one tracked message.</summary>
public sealed class TrackedOutcome
{
    internal TrackedOutcome(string? consumer, TrackedOutcomeKind kind, int attempts, DropReason? reason)
    {
        Consumer = consumer;
        Kind = kind;
        Attempts = attempts;
        Reason = reason;
    }

    /// <summary>The subscription's or work queue's name; <see langword="null"/> for consumers a publish never
    /// reached (their count is one outcome each).</summary>
    public string? Consumer { get; }

    /// <summary>How it finished.</summary>
    public TrackedOutcomeKind Kind { get; }

    /// <summary>Handler attempts made: 1 for a first-time success, more after retries; 0 when the handler never ran
    /// (a drop, an abandon before the first attempt).</summary>
    public int Attempts { get; }

    /// <summary>Why it was dropped or abandoned; <see langword="null"/> for handled and dead-lettered messages, and
    /// for consumers a publish never reached.</summary>
    public DropReason? Reason { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var who = Consumer is null ? "not reached" : $"'{Consumer}'";
        var why = Reason is { } reason ? $" ({reason})" : string.Empty;
        return Attempts > 0 ? $"{who}: {Kind}{why} after {Attempts} attempt(s)" : $"{who}: {Kind}{why}";
    }
}
