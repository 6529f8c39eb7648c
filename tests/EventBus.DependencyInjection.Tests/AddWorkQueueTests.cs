using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.DependencyInjection.Tests;

public sealed class AddWorkQueueTests
{
    [Fact]
    public async Task Producers_inject_the_queue_and_each_item_is_handled_once_in_its_own_scope()
    {
        var log = new WorkLog { Expected = new Countdown(100) };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus().AddWorkQueue<Payment, CardPaymentHandler>(o => o.WorkerCount = 3).Services
            .BuildServiceProvider();
        var queue = provider.GetRequiredService<IWorkQueue<Payment>>();

        for (var i = 0; i < 100; i++)
        {
            await queue.EnqueueAsync(new Payment(i, 10m));
        }

        await log.Expected.WaitAsync("every payment");
        await provider.GetRequiredService<WorkQueue<Payment>>().CompleteAsync();
        log.Calls.Select(c => c.Item).Should().BeEquivalentTo(Enumerable.Range(0, 100), "each item is handled exactly once");
        log.Calls.Select(c => c.Probe.Id).Should().OnlyHaveUniqueItems("a scope per item");
        log.Calls.Should().OnlyContain(c => c.Probe.IsDisposed);
        queue.Should().BeSameAs(provider.GetRequiredService<WorkQueue<Payment>>());
        queue.Name.Should().Be(nameof(Payment));
    }

    [Fact]
    public async Task Two_named_queues_of_one_item_type_coexist_as_keyed_services()
    {
        var log = new WorkLog { Expected = new Countdown(2) };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus()
                .AddWorkQueue<Payment, CardPaymentHandler>("charges")
                .AddWorkQueue<Payment, RefundHandler>("refunds", o => o.WorkerCount = 1).Services
            .BuildServiceProvider();

        var charges = provider.GetRequiredKeyedService<IWorkQueue<Payment>>("charges");
        var refunds = provider.GetRequiredKeyedService<IWorkQueue<Payment>>("refunds");
        await charges.EnqueueAsync(new Payment(1, 5m));
        await refunds.EnqueueAsync(new Payment(2, 5m));

        await log.Expected.WaitAsync("one item per queue");
        charges.Should().NotBeSameAs(refunds);
        charges.Name.Should().Be("charges");
        refunds.Name.Should().Be("refunds");
        log.Calls.Select(c => (c.Queue, c.Item)).Should().BeEquivalentTo([("card", 1), ("refund", 2)]);
        provider.GetService<IWorkQueue<Payment>>().Should().BeNull("only named queues were registered");
    }

    [Fact]
    public void Registering_the_same_queue_twice_fails_with_a_clear_message()
    {
        var builder = new ServiceCollection().AddEventBus().AddWorkQueue<Payment, CardPaymentHandler>();
        var again = () => builder.AddWorkQueue<Payment, RefundHandler>();
        again.Should().Throw<InvalidOperationException>().WithMessage("*already registered*name*");
        builder.AddWorkQueue<Payment, RefundHandler>("refunds");
        var sameName = () => builder.AddWorkQueue<Payment, CardPaymentHandler>("refunds");
        sameName.Should().Throw<InvalidOperationException>().WithMessage("*refunds*");
    }

    [Fact]
    public async Task A_bad_queue_option_fails_when_the_queue_is_created_at_host_start()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(new WorkLog())
                .AddScoped<ScopedProbe>()
                .AddEventBus().AddWorkQueue<Payment, CardPaymentHandler>(o => o.WorkerCount = 0))
            .Build();

        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be(nameof(WorkQueueOptions<Payment>.WorkerCount));
    }

    [Fact]
    public async Task The_host_starts_the_workers_and_drains_accepted_items_when_it_stops()
    {
        var log = new WorkLog { WaitForRelease = true };
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddScoped<ScopedProbe>()
                .AddEventBus().AddWorkQueue<Payment, CardPaymentHandler>(o => o.WorkerCount = 2))
            .Build();
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<IWorkQueue<Payment>>();
        for (var i = 0; i < 30; i++)
        {
            await queue.EnqueueAsync(new Payment(i, 1m));
        }

        var stop = host.StopAsync();
        stop.IsCompleted.Should().BeFalse("accepted payments wait for their handlers");
        log.Release.SetResult();
        await Wait.For(stop, "the host to drain the queue and stop");

        log.Calls.Select(c => c.Item).Should().BeEquivalentTo(Enumerable.Range(0, 30));
        var enqueue = async () => await queue.EnqueueAsync(new Payment(99, 1m));
        await enqueue.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Bus_handlers_can_still_enqueue_while_the_bus_drains_at_shutdown()
    {
        var log = new WorkLog { Expected = new Countdown(20) };
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddScoped<ScopedProbe>()
                .AddEventBus()
                    .AddHandler<Ping, ForwardToQueue>()
                    .AddWorkQueue<Payment, CardPaymentHandler>())
            .Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventBus>();
        for (var i = 0; i < 20; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
        }

        await Wait.For(host.StopAsync(), "the host to stop");
        log.Calls.Select(c => c.Item).Should().BeEquivalentTo(Enumerable.Range(0, 20), "the bus drains first, then the queue");
    }

    public sealed class ForwardToQueue(IWorkQueue<Payment> queue) : IEventHandler<Ping>
    {
        public ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken) =>
            queue.EnqueueAsync(new Payment(@event.Sequence, 1m), cancellationToken);
    }
}
