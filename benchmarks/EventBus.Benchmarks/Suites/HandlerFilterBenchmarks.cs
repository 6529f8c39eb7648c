using BenchmarkDotNet.Attributes;
using EventBus.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Benchmarks.Suites;

/// <summary>
/// Suite 7: what a handler filter costs. A DI handler class (<c>AddHandler</c>, inline delivery, so the whole call
/// runs on the publishing thread) handles each publish in a scope of its own; the baseline has no filter, so it is
/// the handler's direct call, and the other row adds one global pass-through filter (<c>AddFilter</c>). The
/// baseline's bytes are the scope and the scoped handler the container creates per event; the difference between
/// the rows is the filter's context, the filter instance and its call.
/// </summary>
[MemoryDiagnoser]
public class HandlerFilterBenchmarks
{
    private readonly ClassEvent _event = new();
    private ServiceProvider _plain = null!, _filtered = null!;
    private IPublisher<ClassEvent> _plainPublisher = null!, _filteredPublisher = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Build(static bus => bus);
        _filtered = Build(static bus => bus.AddFilter<PassThroughFilter>());
        _plainPublisher = _plain.GetRequiredService<IPublisher<ClassEvent>>();
        _filteredPublisher = _filtered.GetRequiredService<IPublisher<ClassEvent>>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _filtered.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void HandlerClass_NoFilter() => _plainPublisher.Publish(_event);

    [Benchmark]
    public void HandlerClass_OneFilter() => _filteredPublisher.Publish(_event);

    private static ServiceProvider Build(Func<IEventBusBuilder, IEventBusBuilder> filters)
    {
        var services = new ServiceCollection().AddSingleton<Sink>();
        filters(services.AddEventBus()).AddHandler<ClassEvent, SinkHandler>(static o => o.Mode = DeliveryMode.Inline);
        return services.BuildServiceProvider();
    }

    /// <summary>Scoped, as <c>AddHandler</c> registers it: one instance per event, calling the shared singleton sink.</summary>
    public sealed class SinkHandler(Sink sink) : IEventHandler<ClassEvent>
    {
        public ValueTask HandleAsync(ClassEvent @event, EventContext context, CancellationToken cancellationToken)
        {
            sink.Handle(@event);
            return default;
        }
    }

    public sealed class PassThroughFilter : IHandlerFilter
    {
        public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => next(context);
    }
}
