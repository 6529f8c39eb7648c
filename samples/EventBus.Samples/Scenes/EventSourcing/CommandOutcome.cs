namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>What the write side did with one command.</summary>
internal sealed record CommandOutcome(AccountCommand Command, string? Rejection, IReadOnlyList<StoredEvent> Appended)
{
    public bool Accepted => Rejection is null;
}
