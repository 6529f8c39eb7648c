namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>A customer asked for help: the message both patterns carry.</summary>
internal sealed record SupportTicket(int Number, string Subject)
{
    public string Label => $"T-{Number}";
}
