using EventBus.DependencyInjection.Discovery.Handlers;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.DependencyInjection.Discovery.Tests;

/// <summary>The AddEventBusHandlers() that the generator wrote for this project, when it was built.</summary>
public sealed class AddEventBusHandlersTests
{
    private static ServiceCollection Services(Journal journal, LibraryJournal? library = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(journal).AddSingleton(library ?? new LibraryJournal());
        return services;
    }

    [Fact]
    public async Task Every_handler_class_is_subscribed_once_per_event_type_it_handles_with_its_attribute_settings()
    {
        var services = Services(new Journal());
        services.AddEventBus().AddEventBusHandlers();
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        bus.Subscriptions.Select(s => (s.Name, s.EventType.Name, s.Topic, s.Mode)).Should().BeEquivalentTo(new (string, string, string?, DeliveryMode)[]
        {
            ("OrderHistory", "OrderPlaced", null, DeliveryMode.Queued),
            ("OrderHistory", "OrderCancelled", null, DeliveryMode.Queued),
            ("vip-desk", "OrderPlaced", "vip", DeliveryMode.Queued),
            ("Audit", "OrderPlaced", null, DeliveryMode.Inline),
            ("CancellationLog", "OrderCancelled", null, DeliveryMode.Queued),
            ("ArchiveInvoice", "InvoiceIssued", "invoices", DeliveryMode.Queued),
            ("StockLedger", "StockCounted", null, DeliveryMode.Queued),
        }, "the abstract base class and the excluded class are not registered");
        bus.Subscriptions.Single(s => s.Name == "vip-desk").Capacity.Should().Be(64, "Capacity = 64 reached the subscription");
        provider.GetServices<IRegisteredWorkQueue>().Select(q => q.Name).Should().BeEquivalentTo(["ChargeCard", "refunds", "PackParcel"]);
        provider.GetRequiredService<WorkQueue<ChargeCard>>().WorkerCount.Should().Be(3, "Concurrency = 3 is the queue's worker count");
        provider.GetRequiredKeyedService<IWorkQueue<ChargeCard>>("refunds").Should().NotBeNull();
    }

    [Fact]
    public async Task The_registered_handlers_run_in_a_host()
    {
        var journal = new Journal { Expected = new Countdown(9) };
        var library = new LibraryJournal();
        var archived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        library.Written += () => archived.TrySetResult();
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddSingleton(journal).AddSingleton(library).AddEventBus().AddEventBusHandlers())
            .Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventBus>();

        await bus.PublishAsync(new OrderPlaced(1));                                  // history, audit
        await bus.PublishAsync(new OrderPlaced(2), PublishOptions.ForTopic("vip"));  // history, audit, vip
        await bus.PublishAsync(new OrderCancelled(3));                               // history, cancellation log
        await bus.PublishAsync(new InvoiceIssued(4), PublishOptions.ForTopic("invoices"));
        await host.Services.GetRequiredService<IWorkQueue<ChargeCard>>().EnqueueAsync(new ChargeCard(5));
        await host.Services.GetRequiredKeyedService<IWorkQueue<ChargeCard>>("refunds").EnqueueAsync(new ChargeCard(6));

        await journal.Expected.WaitAsync("every handler call");
        await Wait.For(archived.Task, "the library's handler");
        await host.StopAsync();

        journal.Entries.Select(e => e.Split(" on thread")[0]).Should().BeEquivalentTo(
        [
            "history placed 1", "audit 1",
            "history placed 2", "audit 2", "vip 2 on vip",
            "history cancelled 3", $"CancellationLog {new OrderCancelled(3)}",
            "charged 5", "refunded 6",
        ]);
        library.Entries.Should().Equal("archived 4");
        library.Steps.Should().Equal(["archive filter>", "<archive filter"], "a referenced library's handler keeps the filter its attribute names");
    }

    [Fact]
    public async Task A_discovered_handlers_own_filters_run_in_the_attributes_order_inside_a_global_filter_for_an_event_and_a_work_item()
    {
        var journal = new Journal();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(journal).AddSingleton(new LibraryJournal())
                .AddEventBus().AddFilter<OuterFilter>().AddEventBusHandlers())
            .Build();
        await host.StartAsync();

        journal.Expected = new Countdown(1);
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new StockCounted(7));
        await journal.Expected.WaitAsync("the filtered event handler");
        await Wait.Until(() => journal.Trail.Count == 7, "the event's filters to return, so that the two pipelines' steps do not interleave");
        journal.Expected = new Countdown(1);
        await host.Services.GetRequiredService<IWorkQueue<PackParcel>>().EnqueueAsync(new PackParcel(8));
        await journal.Expected.WaitAsync("the filtered work-item handler");
        await Wait.For(host.StopAsync(), "the host to stop");

        journal.Trail.Should().Equal(
            ["outer>", "tenant>", "timing>", "counted 7", "<timing", "<tenant", "<outer",
             "outer>", "tenant>", "timing>", "packed 8", "<timing", "<tenant", "<outer"],
            "the global filter is outermost, then the attribute's filters in their order, for both kinds of handler");
    }

    [Fact]
    public void Calling_it_twice_adds_nothing_the_second_time()
    {
        var services = Services(new Journal());
        var builder = services.AddEventBus().AddEventBusHandlers();
        var count = services.Count;

        builder.AddEventBusHandlers();

        services.Count.Should().Be(count);
    }

    [Fact]
    public async Task A_filter_chooses_the_handler_classes_to_register()
    {
        var services = Services(new Journal());
        services.AddEventBus().AddEventBusHandlers(static handler => handler == typeof(OrderHistory) || handler == typeof(Refunds));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IEventBus>().Subscriptions.Select(s => s.EventType.Name).Should().BeEquivalentTo(["OrderPlaced", "OrderCancelled"]);
        provider.GetServices<IRegisteredWorkQueue>().Select(q => q.Name).Should().Equal("refunds");
    }

    [Fact]
    public async Task An_excluded_class_is_registered_by_hand_with_settings_of_its_own()
    {
        var journal = new Journal { Expected = new Countdown(1) };
        var services = Services(journal);
        services.AddEventBus()
            .AddEventBusHandlers(static handler => handler == typeof(ManualOnly))
            .AddHandler<OrderCancelled, ManualOnly>(o => o.Topic = "manual");
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();

        bus.Subscriptions.Should().ContainSingle().Which.Topic.Should().Be("manual");
        await bus.PublishAsync(new OrderCancelled(7), PublishOptions.ForTopic("manual"));
        await journal.Expected.WaitAsync("the hand-registered handler");
        journal.Entries.Should().Equal("manual 7");
    }

    [Fact]
    public void A_null_builder_is_refused()
    {
        var call = () => EventBusGeneratedHandlers.AddEventBusHandlers(null!);
        call.Should().Throw<ArgumentNullException>().WithParameterName("builder");
    }
}
