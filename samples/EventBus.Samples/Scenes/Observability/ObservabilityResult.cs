using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Observability;

internal sealed record ObservabilityResult(int Published, ObservabilityReport Report) : SceneResult
{
    public override string Outcome =>
        $"{Published} events, {Report.PublishSpans.Count + Report.ProcessSpans.Count} spans: delivered {Report.Drain.Delivered}, " +
        $"{Report.Errors.Count} failed, {Report.Drain.DeadLettered} dead-lettered, {Report.Drain.Dropped} dropped; " +
        (SignalsAgree ? "every signal agrees" : "THE SIGNALS DISAGREE");

    public bool SignalsAgree => ObservabilityScene.Reconcile(Report).All(static r => r.Agrees);
}
