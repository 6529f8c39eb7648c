using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 6: what publish costs when telemetry is listened to. The "with listeners" rows attach an
/// <see cref="ActivityListener"/> that listens to every source and samples AllDataAndRecorded, and
/// a <see cref="MeterListener"/> that enables every instrument; the baseline rows run without.
/// Inline delivery, so the difference is the publish path's own telemetry work.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ObservabilityBenchmarks
{
    public const string Plain = "Telemetry-Plain";
    public const string WithContext = "Telemetry-WithContext";

    private readonly Sink _sink = new();
    private readonly ClassEvent _class = new();
    private readonly ClassEvent8 _class8 = new();
    private IEventBus _bus = null!;
    private IPublisher<ClassEvent> _publisher = null!;
    private IPublisher<ClassEvent8> _contextPublisher = null!;
    private ActivityListener? _activityListener;
    private MeterListener? _meterListener;

    [GlobalSetup(Targets = [nameof(NoListener), nameof(NoListener_Context)])]
    public void Setup()
    {
        _bus = EventBusFactory.Create();
        var inline = new SubscriptionOptions { Mode = DeliveryMode.Inline };
        _bus.Subscribe<ClassEvent>(_sink.Handle, inline);

        // A handler that takes the context makes every publish build one (id, timestamp, trace context).
        _bus.Subscribe<ClassEvent8>((e, _) => _sink.Handle(e), inline);
        _publisher = _bus.GetPublisher<ClassEvent>();
        _contextPublisher = _bus.GetPublisher<ClassEvent8>();
    }

    [GlobalSetup(Targets = [nameof(WithListeners), nameof(WithListeners_Context)])]
    public void SetupWithListeners()
    {
        Setup();
        _activityListener = new ActivityListener
        {
            ShouldListenTo = static _ => true,
            Sample = static (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = static (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = static _ => { },
            ActivityStopped = static _ => { },
        };
        ActivitySource.AddActivityListener(_activityListener);

        _meterListener = new MeterListener { InstrumentPublished = static (instrument, listener) => listener.EnableMeasurementEvents(instrument) };
        _meterListener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        _meterListener.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
        _meterListener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        _meterListener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _activityListener?.Dispose();
        _meterListener?.Dispose();
        _bus.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Plain)]
    public void NoListener() => _publisher.Publish(_class);

    [Benchmark, BenchmarkCategory(Plain)]
    public void WithListeners() => _publisher.Publish(_class);

    [Benchmark(Baseline = true), BenchmarkCategory(WithContext)]
    public void NoListener_Context() => _contextPublisher.Publish(_class8);

    [Benchmark, BenchmarkCategory(WithContext)]
    public void WithListeners_Context() => _contextPublisher.Publish(_class8);
}
