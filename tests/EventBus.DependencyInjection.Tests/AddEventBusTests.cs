using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventBus.DependencyInjection.Tests;

public sealed class AddEventBusTests
{
    [Fact]
    public async Task Calling_AddEventBus_twice_registers_each_service_once_and_applies_both_configurations()
    {
        var services = new ServiceCollection();
        services.AddEventBus(o => o.DrainTimeout = TimeSpan.FromSeconds(7));
        var before = services.Count;
        var builder = services.AddEventBus(o => o.OnDropped = _ => { });

        builder.Services.Should().BeSameAs(services);
        services.Count.Should().Be(before + 1, "only the second configure action is added");
        services.Count(d => d.ServiceType == typeof(IEventBus)).Should().Be(1);
        services.Count(d => d.ImplementationType?.Name == "EventBusHostedService").Should().Be(1);
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<EventBusOptions>>().Value;
        options.DrainTimeout.Should().Be(TimeSpan.FromSeconds(7));
        options.OnDropped.Should().NotBeNull();
        provider.GetRequiredService<IEventBus>().Should().BeSameAs(provider.GetRequiredService<IEventBus>());
    }

    [Fact]
    public async Task Each_event_is_handled_in_a_fresh_scope_that_is_disposed_afterwards()
    {
        var log = new HandlerLog { Expected = new Countdown(3) };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus().AddHandler<Ping, PingHandler>().Services
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        for (var i = 1; i <= 3; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await log.Expected.WaitAsync("three handled events");
        await bus.CompleteAsync();
        var probes = log.Calls.Select(c => c.Probe).ToList();
        probes.Select(p => p.Id).Should().OnlyHaveUniqueItems("a scoped service is never shared between events");
        probes.Should().OnlyContain(p => p.IsDisposed, "each scope is disposed after its event");
        log.Calls.Select(c => c.Event).Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task Parallel_handler_calls_get_distinct_scopes()
    {
        var log = new HandlerLog { Expected = new Countdown(4), Inside = new Countdown(4), WaitForRelease = true };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus().AddHandler<Ping, PingHandler>(o => o.MaxConcurrency = 4).Services
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        for (var i = 1; i <= 4; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await log.Inside.WaitAsync("four handlers running at once");
        log.Release.SetResult();
        await log.Expected.WaitAsync("the four handled events");
        log.Calls.Select(c => c.Probe.Id).Should().OnlyHaveUniqueItems();
        log.Calls.Should().OnlyContain(c => c.Probe.IsDisposed);
    }

    [Fact]
    public async Task A_bad_option_fails_the_host_start_with_a_message_naming_it()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddEventBus(o => o.DrainTimeout = TimeSpan.FromSeconds(-1)))
            .Build();

        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be(nameof(EventBusOptions.DrainTimeout));
    }

    [Fact]
    public void A_bad_subscription_option_throws_at_the_AddHandler_call()
    {
        var builder = new ServiceCollection().AddEventBus();
        var add = () => builder.AddHandler<Ping, PingHandler>(o => o.Capacity = 0);
        add.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(SubscriptionOptions.Capacity));
    }

    [Fact]
    public async Task Stopping_the_host_drains_every_accepted_event()
    {
        var log = new HandlerLog { WaitForRelease = true, Inside = new Countdown(1) };
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddScoped<ScopedProbe>()
                .AddEventBus().AddHandler<Ping, PingHandler>())
            .Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventBus>();
        for (var i = 1; i <= 50; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await log.Inside.WaitAsync("the first handler call");
        var stop = host.StopAsync();
        stop.IsCompleted.Should().BeFalse("49 events are still buffered behind a waiting handler");
        log.Release.SetResult();
        await Wait.For(stop, "the host to stop");

        log.Calls.Select(c => c.Event).Should().Equal(Enumerable.Range(1, 50));
        var publish = async () => await bus.PublishAsync(new Ping(0, 51));
        await publish.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_hung_handler_does_not_keep_the_host_from_stopping_and_the_abandoned_count_is_logged()
    {
        var log = new HandlerLog { Inside = new Countdown(1) };
        var logs = new CollectingLoggerFactory();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton<ILoggerFactory>(logs)
                .AddSingleton(log)
                .AddEventBus().AddHandler<Ping, HungHandler>())
            .Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventBus>();
        for (var i = 1; i <= 3; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await log.Inside.WaitAsync("the hung handler to start");
        using var shutdownTimeout = new CancellationTokenSource();
        var stop = host.StopAsync(shutdownTimeout.Token);
        stop.IsCompleted.Should().BeFalse();
        await shutdownTimeout.CancelAsync();

        await Wait.For(stop, "the host to stop at its shutdown timeout");
        logs.Entries.Should().ContainSingle(e => e.EventId.Id == 2002)
            .Which.Message.Should().Contain("abandoned 3");
        log.Release.SetResult();
    }

    [Fact]
    public async Task The_host_shutdown_timeout_bounds_the_drain()
    {
        var log = new HandlerLog { Inside = new Countdown(1) };
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200))
                .AddSingleton(log)
                .AddEventBus().AddHandler<Ping, HungHandler>())
            .Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new Ping(0, 1));
        await log.Inside.WaitAsync("the hung handler to start");

        await Wait.For(host.StopAsync(), "the host to stop despite a handler that never returns");
        log.Release.SetResult();
    }

    [Fact]
    public async Task Without_a_host_the_bus_starts_lazily_and_disposing_the_provider_drains_it()
    {
        var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        var received = 0;
        provider.GetRequiredService<ISubscriber<Ping>>().Subscribe(async (_, _) =>
        {
            await Task.Yield();
            Interlocked.Increment(ref received);
        });
        var bus = provider.GetRequiredService<IEventBus>();
        for (var i = 1; i <= 100; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await Wait.For(provider.DisposeAsync().AsTask(), "the provider's disposal");
        Volatile.Read(ref received).Should().Be(100);
    }

    [Fact]
    public async Task Handler_classes_left_when_the_provider_is_disposed_are_dead_lettered_at_once_with_the_reason()
    {
        var log = new HandlerLog { WaitForRelease = true, Inside = new Countdown(1) };
        var sink = new DeadLetterQueue();
        var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus(o => o.DeadLetterSink = sink).AddHandler<Ping, PingHandler>().Services
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        for (var i = 1; i <= 3; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await log.Inside.WaitAsync("the first handler call");
        var disposal = provider.DisposeAsync().AsTask();
        log.Release.SetResult();
        await Wait.For(disposal, "the provider's disposal");

        log.Calls.Select(c => c.Event).Should().Equal(1);
        sink.ToList().Should().HaveCount(2).And.OnlyContain(l => l.Attempts == 1 && l.Exception.Message.Contains("CompleteAsync"));
    }

    [Fact]
    public async Task Typed_publishers_and_subscribers_can_be_injected()
    {
        await using var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        var subscriber = provider.GetRequiredService<ISubscriber<Ping>>();
        var publisher = provider.GetRequiredService<IPublisher<Ping>>();
        var received = new Recorder<Ping>(2);
        subscriber.Subscribe(received.Record);

        await publisher.PublishAsync(new Ping(0, 1));
        publisher.Publish(new Ping(0, 2));

        await received.WaitAsync();
        received.Items.Select(p => p.Sequence).Should().Equal(1, 2);
        provider.GetRequiredService<IPublisher<Ping>>().Should().BeSameAs(publisher);
    }

    [Fact]
    public async Task The_containers_TimeProvider_and_logger_are_used()
    {
        var time = new TestTimeProvider();
        var logs = new CollectingLoggerFactory();
        var log = new HandlerLog { Expected = new Countdown(1) };
        await using var provider = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<ILoggerFactory>(logs)
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus().AddHandler<Ping, PingHandler>().Services
            .BuildServiceProvider();

        await provider.GetRequiredService<IEventBus>().PublishAsync(new Ping(0, 1));

        await log.Expected.WaitAsync("the event");
        log.Calls.Single().Context.Timestamp.Should().Be(time.GetUtcNow());
        await provider.GetRequiredService<IEventBus>().CompleteAsync();
        logs.Entries.Should().Contain(e => e.Category == "EventBus" && e.EventId.Id == 1007);
    }

    [Fact]
    public async Task The_dead_letter_sink_is_injectable()
    {
        await using var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        provider.GetRequiredService<IDeadLetterSink>().Should().BeOfType<DeadLetterQueue>()
            .And.BeSameAs(provider.GetRequiredService<IOptions<EventBusOptions>>().Value.DeadLetterSink);
    }
}
