using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// Listens to the bus's <see cref="ActivitySource"/> (<see cref="EventBusDiagnostics.ActivitySourceName"/>)
/// the way a tracing SDK does, and keeps the spans of one run: those in the run's trace, and the
/// process spans linked to it.
/// </summary>
/// <remarks>
/// The bus's source is shared by every bus in the process (tests run scenes side by side), so a
/// span is kept only when it belongs to this run's trace or links to it.
/// </remarks>
internal sealed class TraceCollector : IDisposable
{
    /// <summary>The scene's own source, for the span that wraps the run.</summary>
    private const string SceneSourceName = "EventBus.Samples";

    private static readonly ActivitySource s_scene = new(SceneSourceName);

    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<SpanRecord> _spans = new();
    private volatile StrongBox? _run;

    public TraceCollector()
    {
        _listener = new ActivityListener
        {
            // By name, not by reference to s_scene: that field may still be initialising when this runs.
            ShouldListenTo = static source => source.Name is EventBusDiagnostics.ActivitySourceName or SceneSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<SpanRecord> Spans => [.. _spans];

    /// <summary>Starts the span that wraps the run; publishes made inside it join its trace.</summary>
    public Activity StartRun(string name)
    {
        var activity = s_scene.StartActivity(name, ActivityKind.Internal)
            ?? throw new InvalidOperationException("The trace collector's listener did not sample the run.");
        _run = new StrongBox(activity.TraceId);
        return activity;
    }

    public void Dispose() => _listener.Dispose();

    private void OnStopped(Activity activity)
    {
        if (_run is not { } run || activity.Source.Name == SceneSourceName)
        {
            return;
        }

        var ours = activity.TraceId == run.TraceId;
        foreach (var link in activity.Links)
        {
            ours |= link.Context.TraceId == run.TraceId;
        }

        if (ours)
        {
            _spans.Enqueue(SpanRecord.From(activity));
        }
    }

    private sealed record StrongBox(ActivityTraceId TraceId);
}
