namespace EventBus;

/// <summary>How one publish ended, per subscription it reached, as passed to <see cref="PublishOptions.OnSettled"/>.</summary>
/// <remarks>Each subscription the publish reached is counted once, in the outcome it ended with. A publish that matched
/// no subscription settles at once with every count zero.</remarks>
public sealed class PublishSettlement
{
    internal PublishSettlement(EventContext context, int handled, int deadLettered, int dropped, int abandoned)
    {
        Context = context;
        Handled = handled;
        DeadLettered = deadLettered;
        Dropped = dropped;
        Abandoned = abandoned;
    }

    /// <summary>The context of the publish (the same instance the handlers received).</summary>
    public EventContext Context { get; }

    /// <summary>Subscriptions whose handler succeeded, on the first attempt or a retry.</summary>
    public int Handled { get; }

    /// <summary>Subscriptions whose handler failed for good: the event went to the dead-letter sink.</summary>
    public int DeadLettered { get; }

    /// <summary>Subscriptions that dropped the event by their <see cref="BufferFullMode"/> or refused it
    /// (<see cref="DropReason.Rejected"/>).</summary>
    public int Dropped { get; }

    /// <summary>Subscriptions that let the event go because they stopped (<see cref="DropReason.Unsubscribed"/>,
    /// <see cref="DropReason.Abandoned"/>), or that a cancelled or failed publish never reached.</summary>
    public int Abandoned { get; }

    /// <summary><see langword="true"/> when every subscription the publish reached handled the event.</summary>
    public bool AllHandled => DeadLettered == 0 && Dropped == 0 && Abandoned == 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Context}: handled {Handled}, dead-lettered {DeadLettered}, dropped {Dropped}, abandoned {Abandoned}";
}
