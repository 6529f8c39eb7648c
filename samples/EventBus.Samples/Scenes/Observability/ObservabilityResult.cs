using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

internal sealed record ObservabilityResult(int Published, ObservabilityReport Report) : SceneResult
{
    public override string Outcome =>
        $"{Published} events, {Report.PublishSpans.Count} publish and {Report.ProcessSpans.Count} process spans: delivered {Report.Drain.Delivered}, " +
        $"{Report.Errors.Count} failed attempts, " +
        $"dead-lettered {Report.Drain.DeadLettered}, dropped {Report.Drain.Dropped}; " +
        (SignalsAgree ? "every signal agrees" : "THE SIGNALS DISAGREE");

    public bool SignalsAgree => ObservabilityScene.Reconcile(Report).All(static r => r.Agrees);
}
