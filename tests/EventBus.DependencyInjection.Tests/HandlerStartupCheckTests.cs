using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.DependencyInjection.Tests;

/// <summary>Every handler class is resolved once when the host starts, so a missing dependency stops the start.</summary>
public sealed class HandlerStartupCheckTests
{
    [Fact]
    public async Task A_handler_with_a_missing_dependency_stops_the_start_with_a_message_naming_the_handler_and_the_service()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(new HandlerLog())
                .AddEventBus().AddHandler<Ping, PingHandler>())
            .Build();

        var start = () => host.StartAsync();
        var error = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().StartWith("An event bus handler class cannot be created (each was resolved once when the host started):")
            .And.Contain($"{typeof(PingHandler).FullName} (handler of Ping): ")
            .And.Contain(typeof(ScopedProbe).FullName)
            .And.Contain("CheckHandlersOnStart = false");
        error.InnerException.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain(nameof(ScopedProbe));
    }

    [Fact]
    public async Task Every_failing_handler_class_is_listed_once_work_queue_handlers_included()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddEventBus()
                .AddHandler<Ping, PingHandler>(o => o.Topic = "a")
                .AddHandler<Ping, PingHandler>(o => o.Topic = "b")
                .AddWorkQueue<Payment, CardPaymentHandler>())
            .Build();

        var start = () => host.StartAsync();
        var error = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().StartWith("2 event bus handler classes cannot be created");
        error.Message.Split(Environment.NewLine).Where(line => line.StartsWith(" - ", StringComparison.Ordinal)).Should().HaveCount(2);
        error.Message.Should().Contain($"{typeof(CardPaymentHandler).FullName} (handler of work queue 'Payment'): ");
        error.InnerException.Should().BeOfType<AggregateException>().Which.InnerExceptions.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_handler_whose_constructor_throws_stops_the_start_too()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddEventBus().AddHandler<Ping, ThrowingConstructorHandler>())
            .Build();

        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<InvalidOperationException>())
            .Which.Message.Should().Contain($"{typeof(ThrowingConstructorHandler).FullName} (handler of Ping): no configuration");
    }

    [Fact]
    public async Task Each_handler_class_is_resolved_once_in_a_scope_that_is_disposed_before_the_bus_starts()
    {
        var probes = new ProbeLog();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(probes)
                .AddScoped<CountedProbe>()
                .AddEventBus()
                .AddHandler<Ping, CountingHandler>(o => o.Topic = "a")
                .AddHandler<Ping, CountingHandler>(o => o.Topic = "b"))
            .Build();

        await host.StartAsync();
        probes.Created.Should().Be(1, "the handler class is resolved once, whatever its number of subscriptions");
        probes.Disposed.Should().Be(1, "the check's scope is disposed");
        await host.StopAsync();
    }

    [Fact]
    public async Task The_check_can_be_turned_off_and_the_failure_then_reaches_the_dead_letters()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .Configure<EventBusHostOptions>(o => o.CheckHandlersOnStart = false)
                .AddEventBus(o => o.DeadLetterSink = new DeadLetterQueue())
                .AddHandler<Ping, PingHandler>(o => o.RetryPolicy = RetryPolicy.None))
            .Build();

        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventBus>();
        await bus.PublishAsync(new Ping(0, 1));
        await host.StopAsync();

        var letter = ((DeadLetterQueue)host.Services.GetRequiredService<IDeadLetterSink>()).ToList().Should().ContainSingle().Which;
        letter.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain(nameof(ScopedProbe));
    }

    [Fact]
    public void The_check_is_on_by_default()
    {
        new EventBusHostOptions().CheckHandlersOnStart.Should().BeTrue();
    }
}

public sealed class ThrowingConstructorHandler : IEventHandler<Ping>
{
    public ThrowingConstructorHandler() => throw new InvalidOperationException("no configuration");

    public ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken) => default;
}

public sealed class ProbeLog
{
    private int _created;
    private int _disposed;

    public int Created => Volatile.Read(ref _created);

    public int Disposed => Volatile.Read(ref _disposed);

    public void OnCreated() => Interlocked.Increment(ref _created);

    public void OnDisposed() => Interlocked.Increment(ref _disposed);
}

public sealed class CountedProbe : IDisposable
{
    private readonly ProbeLog _log;

    public CountedProbe(ProbeLog log)
    {
        _log = log;
        log.OnCreated();
    }

    public void Dispose() => _log.OnDisposed();
}

public sealed class CountingHandler(CountedProbe probe) : IEventHandler<Ping>
{
    public ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken)
    {
        GC.KeepAlive(probe);
        return default;
    }
}
