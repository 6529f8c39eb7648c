using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 5: what publish costs as the bus holds more subscriptions. All subscriptions are inline,
/// so the numbers are routing and dispatch cost without any channel or thread in the way.
/// </summary>
/// <remarks>
/// <para><b>One matching</b>: one subscription receives the event; the others are subscribed to the
/// same event type on other topics (half of them) or to another event type (the other half).
/// Baseline: one cached delegate call.</para>
/// <para><b>All matching</b>: every subscription receives the event. Baseline: a loop over an array
/// of the same number of delegates.</para>
/// <para>Memory per idle subscription is measured outside BenchmarkDotNet (it is retained memory,
/// not allocation per operation): see <see cref="Infrastructure.SubscriptionMemory"/>.</para>
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class ScaleBenchmarks
{
    public const string OneMatching = "Scale-OneMatching";
    public const string AllMatching = "Scale-AllMatching";

    private readonly Sink _sink = new();
    private readonly ClassEvent _class = new();
    private Action<ClassEvent> _delegate = null!;
    private Action<ClassEvent>[] _delegates = null!;
    private IEventBus _oneBus = null!, _allBus = null!;
    private IPublisher<ClassEvent> _onePublisher = null!, _allPublisher = null!;

    [Params(1, 16, 256, 4096)]
    public int Subscriptions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var inline = new SubscriptionOptions { Mode = DeliveryMode.Inline };
        _delegate = _sink.Handle;
        _delegates = new Action<ClassEvent>[Subscriptions];
        Array.Fill(_delegates, _delegate);

        _oneBus = EventBusFactory.Create();
        _oneBus.Subscribe<ClassEvent>(_sink.Handle, inline);
        for (var i = 1; i < Subscriptions; i++)
        {
            if (i % 2 == 0)
            {
                _oneBus.Subscribe<ClassEvent8>(_sink.Handle, inline);
            }
            else
            {
                _oneBus.Subscribe<ClassEvent>(_sink.Handle, new SubscriptionOptions { Mode = DeliveryMode.Inline, Topic = "other-" + i });
            }
        }

        _allBus = EventBusFactory.Create();
        for (var i = 0; i < Subscriptions; i++)
        {
            _allBus.Subscribe<ClassEvent>(_sink.Handle, inline);
        }

        _onePublisher = _oneBus.GetPublisher<ClassEvent>();
        _allPublisher = _allBus.GetPublisher<ClassEvent>();

        var before = _sink.Count;
        EventBus_OneMatching_Typed();
        EventBus_OneMatching_PublishAsync();
        Verify.Equal(2 * 42, _sink.Count - before, "one matching subscription");
        before = _sink.Count;
        EventBus_AllMatching_Typed();
        Verify.Equal(Subscriptions * 42L, _sink.Count - before, "all matching subscriptions");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oneBus.Dispose();
        _allBus.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(OneMatching)]
    public void Delegate_OneMatching() => _delegate(_class);

    [Benchmark, BenchmarkCategory(OneMatching)]
    public void EventBus_OneMatching_Typed() => _onePublisher.Publish(_class);

    [Benchmark, BenchmarkCategory(OneMatching)]
    public void EventBus_OneMatching_PublishAsync() => Tasks.Complete(_oneBus.PublishAsync(_class));

    [Benchmark(Baseline = true), BenchmarkCategory(AllMatching)]
    public void Delegates_AllMatching()
    {
        var e = _class;
        foreach (var handler in _delegates)
        {
            handler(e);
        }
    }

    [Benchmark, BenchmarkCategory(AllMatching)]
    public void EventBus_AllMatching_Typed() => _allPublisher.Publish(_class);
}
