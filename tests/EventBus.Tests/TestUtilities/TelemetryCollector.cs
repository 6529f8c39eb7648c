using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Tests.TestUtilities;

/// <summary>
/// Collects the bus's spans and measurements for one test. Tests run in parallel, so spans are kept
/// only when they belong to this test's trace (started with <see cref="StartTrace"/>), and
/// measurements only from meters created by this collector's own <see cref="MeterFactory"/>.
/// </summary>
public sealed class TelemetryCollector : IDisposable
{
    private static readonly ActivitySource s_testSource = new("EventBus.Tests");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
    private readonly ConcurrentDictionary<ActivityTraceId, bool> _traces = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    public TelemetryCollector()
    {
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EventBusDiagnostics.ActivitySourceName or "EventBus.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (IsMine(activity))
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);

        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, MeterFactory))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _meters.Start();
    }

    /// <summary>The factory to give the bus, so only its measurements are collected.</summary>
    public IMeterFactory MeterFactory { get; }

    public IReadOnlyList<Activity> Spans => [.. _spans];

    /// <summary>Starts a root span of this test; spans in its trace, or linked to it, are collected.</summary>
    public Activity StartTrace(string name)
    {
        var activity = s_testSource.StartActivity(name, ActivityKind.Internal, parentContext: default)
            ?? throw new InvalidOperationException("The test source is not sampled.");
        _traces[activity.TraceId] = true;
        return activity;
    }

    /// <summary>An instrument of this collector's meters, as it was published (with its unit and advice).</summary>
    public Instrument Instrument(string name) =>
        _instruments.TryGetValue(name, out var instrument) ? instrument : throw new InvalidOperationException($"No instrument '{name}' was published.");

    /// <summary>Reads observable instruments (the depth gauge) now.</summary>
    public void RecordObservableInstruments() => _meters.RecordObservableInstruments();

    public IReadOnlyList<(double Value, KeyValuePair<string, object?>[] Tags)> Measurements(string instrument) =>
        [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

    public double Sum(string instrument) => _measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

    public int Count(string instrument) => _measurements.Count(m => m.Instrument == instrument);

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
        _services.Dispose();
    }

    private bool IsMine(Activity activity) =>
        _traces.ContainsKey(activity.TraceId) || activity.Links.Any(link => _traces.ContainsKey(link.Context.TraceId));
}
