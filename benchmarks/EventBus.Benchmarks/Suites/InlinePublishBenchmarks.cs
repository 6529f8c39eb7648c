using System.Reactive.Subjects;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CommunityToolkit.Mvvm.Messaging;
using EventBus.Benchmarks.Infrastructure;
using EventBus.Benchmarks.Peers;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 1: one publish delivered inline (on the publisher's thread) to 1 and to 8 subscribers.
/// Baselines: a cached delegate call to a handler the JIT cannot inline (1 subscriber) and a C#
/// multicast event (8). Peers and EventBus rows share the class so every ratio comes from one run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class InlinePublishBenchmarks
{
    public const string One = "Inline1-Class";
    public const string OneStruct = "Inline1-Struct";
    public const string Eight = "Inline8-Class";
    public const string EightStruct = "Inline8-Struct";

    private readonly Sink _sink = new();
    private readonly ClassEvent _class = new();
    private readonly StructEvent _struct = new(42);
    private readonly ClassEvent8 _class8 = new();
    private readonly StructEvent8 _struct8 = new(42);

    private Action<ClassEvent> _classDelegate = null!;
    private Action<StructEvent> _structDelegate = null!;
    private StrongReferenceMessenger _messenger = null!;
    private ServiceProvider _services = null!;
    private Peers.Mediator _mediator = null!;
    private Subject<ClassEvent> _classSubject = null!;
    private Subject<StructEvent> _structSubject = null!;
    private Subject<ClassEvent8> _class8Subject = null!;
    private Subject<StructEvent8> _struct8Subject = null!;
    private IEventBus _bus = null!;
    private IPublisher<ClassEvent> _classPublisher = null!;
    private IPublisher<StructEvent> _structPublisher = null!;
    private IPublisher<ClassEvent8> _class8Publisher = null!;
    private IPublisher<StructEvent8> _struct8Publisher = null!;

    private event Action<ClassEvent8>? Class8Raised;

    private event Action<StructEvent8>? Struct8Raised;

    [GlobalSetup]
    public void Setup()
    {
        _classDelegate = _sink.Handle;
        _structDelegate = _sink.Handle;
        for (var i = 0; i < 8; i++)
        {
            Class8Raised += _sink.Handle;
            Struct8Raised += _sink.Handle;
        }

        _messenger = new StrongReferenceMessenger();
        _messenger.Register<Sink, ClassEvent>(_sink, static (r, m) => r.Handle(m));
        for (var i = 0; i < 8; i++)
        {
            _messenger.Register<Recipient, ClassEvent8>(new Recipient(_sink), static (r, m) => r.Sink.Handle(m));
        }

        var services = new ServiceCollection();
        services.AddSingleton(_sink);
        services.AddMediator();
        _services = services.BuildServiceProvider();
        _mediator = _services.GetRequiredService<Peers.Mediator>();

        _classSubject = new Subject<ClassEvent>();
        _classSubject.Subscribe(_sink.Handle);
        _structSubject = new Subject<StructEvent>();
        _structSubject.Subscribe(_sink.Handle);
        _class8Subject = new Subject<ClassEvent8>();
        _struct8Subject = new Subject<StructEvent8>();
        for (var i = 0; i < 8; i++)
        {
            _class8Subject.Subscribe(_sink.Handle);
            _struct8Subject.Subscribe(_sink.Handle);
        }

        var inline = new SubscriptionOptions { Mode = DeliveryMode.Inline };
        _bus = EventBusFactory.Create();
        _bus.Subscribe<ClassEvent>(_sink.Handle, inline);
        _bus.Subscribe<StructEvent>(_sink.Handle, inline);
        for (var i = 0; i < 8; i++)
        {
            _bus.Subscribe<ClassEvent8>(_sink.Handle, inline);
            _bus.Subscribe<StructEvent8>(_sink.Handle, inline);
        }

        _classPublisher = _bus.GetPublisher<ClassEvent>();
        _structPublisher = _bus.GetPublisher<StructEvent>();
        _class8Publisher = _bus.GetPublisher<ClassEvent8>();
        _struct8Publisher = _bus.GetPublisher<StructEvent8>();

        // Every row must really deliver: one publish each, then check the sink saw them all.
        var before = _sink.Count;
        Delegate(); Messenger(); Mediator(); Subject(); EventBus_PublishAsync(); EventBus_Typed();
        Delegate_Struct(); Mediator_Struct(); Subject_Struct(); EventBus_PublishAsync_Struct(); EventBus_Typed_Struct();
        MulticastEvent(); Messenger_8(); Mediator_8(); Subject_8(); EventBus_PublishAsync_8(); EventBus_Typed_8();
        MulticastEvent_Struct(); Mediator_8_Struct(); Subject_8_Struct(); EventBus_PublishAsync_8_Struct(); EventBus_Typed_8_Struct();
        Verify.Equal((6 + 5 + (6 * 8) + (5 * 8)) * 42, _sink.Count - before, "inline deliveries");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bus.Dispose();
        _services.Dispose();
        _classSubject.Dispose();
        _structSubject.Dispose();
        _class8Subject.Dispose();
        _struct8Subject.Dispose();
    }

    // ---- 1 subscriber, class event ----

    [Benchmark(Baseline = true), BenchmarkCategory(One)]
    public void Delegate() => _classDelegate(_class);

    [Benchmark, BenchmarkCategory(One)]
    public void Messenger() => _messenger.Send(_class);

    [Benchmark, BenchmarkCategory(One)]
    public void Mediator() => Tasks.Complete(_mediator.Publish(_class));

    [Benchmark, BenchmarkCategory(One)]
    public void Subject() => _classSubject.OnNext(_class);

    [Benchmark, BenchmarkCategory(One)]
    public void EventBus_PublishAsync() => Tasks.Complete(_bus.PublishAsync(_class));

    [Benchmark, BenchmarkCategory(One)]
    public void EventBus_Typed() => _classPublisher.Publish(_class);

    // ---- 1 subscriber, struct event (StrongReferenceMessenger takes class messages only) ----

    [Benchmark(Baseline = true), BenchmarkCategory(OneStruct)]
    public void Delegate_Struct() => _structDelegate(_struct);

    [Benchmark, BenchmarkCategory(OneStruct)]
    public void Mediator_Struct() => Tasks.Complete(_mediator.Publish(_struct));

    [Benchmark, BenchmarkCategory(OneStruct)]
    public void Subject_Struct() => _structSubject.OnNext(_struct);

    [Benchmark, BenchmarkCategory(OneStruct)]
    public void EventBus_PublishAsync_Struct() => Tasks.Complete(_bus.PublishAsync(_struct));

    [Benchmark, BenchmarkCategory(OneStruct)]
    public void EventBus_Typed_Struct() => _structPublisher.Publish(_struct);

    // ---- 8 subscribers, class event ----

    [Benchmark(Baseline = true), BenchmarkCategory(Eight)]
    public void MulticastEvent() => Class8Raised?.Invoke(_class8);

    [Benchmark, BenchmarkCategory(Eight)]
    public void Messenger_8() => _messenger.Send(_class8);

    [Benchmark, BenchmarkCategory(Eight)]
    public void Mediator_8() => Tasks.Complete(_mediator.Publish(_class8));

    [Benchmark, BenchmarkCategory(Eight)]
    public void Subject_8() => _class8Subject.OnNext(_class8);

    [Benchmark, BenchmarkCategory(Eight)]
    public void EventBus_PublishAsync_8() => Tasks.Complete(_bus.PublishAsync(_class8));

    [Benchmark, BenchmarkCategory(Eight)]
    public void EventBus_Typed_8() => _class8Publisher.Publish(_class8);

    // ---- 8 subscribers, struct event ----

    [Benchmark(Baseline = true), BenchmarkCategory(EightStruct)]
    public void MulticastEvent_Struct() => Struct8Raised?.Invoke(_struct8);

    [Benchmark, BenchmarkCategory(EightStruct)]
    public void Mediator_8_Struct() => Tasks.Complete(_mediator.Publish(_struct8));

    [Benchmark, BenchmarkCategory(EightStruct)]
    public void Subject_8_Struct() => _struct8Subject.OnNext(_struct8);

    [Benchmark, BenchmarkCategory(EightStruct)]
    public void EventBus_PublishAsync_8_Struct() => Tasks.Complete(_bus.PublishAsync(_struct8));

    [Benchmark, BenchmarkCategory(EightStruct)]
    public void EventBus_Typed_8_Struct() => _struct8Publisher.Publish(_struct8);
}
