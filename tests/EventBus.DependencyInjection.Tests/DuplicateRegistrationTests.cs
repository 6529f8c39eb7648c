using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventBus.DependencyInjection.Tests;

/// <summary>Registering a handler or a queue again with the same settings adds nothing; with other settings
/// it adds a subscription (handlers) or fails (queues).</summary>
public sealed class DuplicateRegistrationTests
{
    [Fact]
    public async Task AddHandler_twice_with_the_same_settings_handles_each_event_once()
    {
        var log = new HandlerLog();
        var retries = new RetryPolicy { MaxRetries = 2, Jitter = 0 };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus()
            .AddHandler<Ping, PingHandler>(o => o.MaxConcurrency = 2)
            .AddHandler<Ping, PingHandler>(o => o.MaxConcurrency = 2)
            .AddHandler<Ping, PingHandler>(o =>
            {
                o.MaxConcurrency = 2;
                o.RetryPolicy = retries;
            })
            .AddHandler<Ping, PingHandler>(o =>
            {
                o.MaxConcurrency = 2;
                o.RetryPolicy = new RetryPolicy { MaxRetries = 2, Jitter = 0 };
            })
            .Services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        bus.Subscriptions.Should().HaveCount(2, "the third and fourth registrations are equal to each other, not to the first");
        for (var i = 1; i <= 3; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        var result = await bus.CompleteAsync();
        result.Delivered.Should().Be(6);
        log.Calls.Select(c => c.Event).Should().BeEquivalentTo([1, 1, 2, 2, 3, 3], "each of the two distinct subscriptions handles each event once");
    }

    [Fact]
    public async Task AddHandler_with_two_topics_subscribes_the_handler_to_each()
    {
        var log = new HandlerLog();
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus()
            .AddHandler<Ping, PingHandler>(o => o.Topic = "a")
            .AddHandler<Ping, PingHandler>(o => o.Topic = "b")
            .AddHandler<Ping, PingHandler>(o => o.Topic = "a")
            .Services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        bus.Subscriptions.Select(s => s.Topic).Should().BeEquivalentTo(["a", "b"]);
        await bus.PublishAsync(new Ping(0, 1), PublishOptions.ForTopic("a"));
        await bus.PublishAsync(new Ping(0, 2), PublishOptions.ForTopic("b"));
        await bus.CompleteAsync();
        log.Calls.Select(c => c.Event).Should().BeEquivalentTo([1, 2]);
    }

    [Fact]
    public async Task Two_subscriptions_of_one_handler_on_one_topic_with_different_settings_are_kept_and_warned_about_at_start()
    {
        var logs = new CollectingLoggerFactory();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton<ILoggerFactory>(logs)
                .AddSingleton(new HandlerLog())
                .AddScoped<ScopedProbe>()
                .AddEventBus()
                .AddHandler<Ping, PingHandler>()
                .AddHandler<Ping, PingHandler>(o => o.MaxConcurrency = 4))
            .Build();

        await host.StartAsync();
        host.Services.GetRequiredService<IEventBus>().Subscriptions.Should().HaveCount(2);
        logs.Entries.Should().ContainSingle(e => e.EventId.Id == 2003)
            .Which.Message.Should().Be("PingHandler is subscribed to Ping on topic (any) more than once, with different settings: it handles each such event once per subscription");
        await host.StopAsync();
    }

    [Fact]
    public async Task AddWorkQueue_twice_with_the_same_handler_and_delegate_registers_one_queue()
    {
        var log = new WorkLog { Expected = new Countdown(2) };
        var services = new ServiceCollection().AddSingleton(log).AddScoped<ScopedProbe>();
        Action<WorkQueueOptions<Payment>> configure = static o => o.WorkerCount = 2;
        for (var i = 0; i < 2; i++)
        {
            services.AddEventBus()
                .AddWorkQueue<Payment, CardPaymentHandler>(configure)
                .AddWorkQueue<Payment, RefundHandler>("refunds", configure);
        }

        services.Count(d => d.ServiceType == typeof(IWorkQueue<Payment>)).Should().Be(2, "one unnamed and one named queue");
        await using var provider = services.BuildServiceProvider();
        provider.GetServices<IRegisteredWorkQueue>().Select(q => q.Name).Should().BeEquivalentTo(["Payment", "refunds"]);
        await provider.GetRequiredService<IWorkQueue<Payment>>().EnqueueAsync(new Payment(1, 1m));
        await provider.GetRequiredKeyedService<IWorkQueue<Payment>>("refunds").EnqueueAsync(new Payment(2, 1m));
        await log.Expected.WaitAsync("both items");
        log.Calls.Select(c => (c.Queue, c.Item)).Should().BeEquivalentTo([("card", 1), ("refund", 2)]);
    }

    [Fact]
    public void AddWorkQueue_again_with_another_delegate_fails_with_a_clear_message()
    {
        var builder = new ServiceCollection().AddEventBus().AddWorkQueue<Payment, CardPaymentHandler>(o => o.WorkerCount = 2);
        var again = () => builder.AddWorkQueue<Payment, CardPaymentHandler>(o => o.WorkerCount = 2);
        again.Should().Throw<InvalidOperationException>().WithMessage("A work queue of Payment is already registered*");
    }
}
