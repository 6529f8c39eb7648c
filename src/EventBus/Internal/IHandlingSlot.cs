namespace EventBus.Internal;

/// <summary>A consumer slot as the handler mark (<see cref="HandlerScope"/>) sees it: which item it is handling.</summary>
internal interface IHandlingSlot
{
    /// <summary>The context of the item whose attempt began last in the slot; null when it carried none.</summary>
    EventContext? Handling { get; }
}
