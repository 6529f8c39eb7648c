namespace EventBus.Samples.Infrastructure;

/// <summary>What a scene reports when it is done. Each scene derives its own record with the facts
/// a test needs (who received what, what was dead-lettered, what was dropped).</summary>
internal abstract record SceneResult
{
    /// <summary>The outcome in one line, for the summary at the end of a full run.</summary>
    public abstract string Outcome { get; }
}
