using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EventBus.HealthChecks.Tests;

public sealed class EventBusHealthCheckTests
{
    private static readonly RetryPolicy s_noRetry = RetryPolicy.None;

    [Fact]
    public async Task Consumers_that_keep_up_are_healthy()
    {
        await using var fixture = new HealthFixture(bus: b => b.AddWorkQueue<Payment, GatedPayments>());
        var handled = new Countdown(3);
        fixture.Bus.Subscribe<Order>(_ => handled.Signal(), new SubscriptionOptions { Name = "orders" });
        fixture.Bus.Subscribe<Order>(_ => { }, new SubscriptionOptions { Name = "audit", Mode = DeliveryMode.Inline });
        _ = fixture.Services.GetRequiredService<IWorkQueue<Payment>>();

        for (var i = 0; i < 3; i++)
        {
            await fixture.Bus.PublishAsync(new Order(i));
        }

        await handled.WaitAsync("the orders");
        var first = await fixture.CheckAsync();
        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await fixture.CheckAsync();

        first.Status.Should().Be(HealthStatus.Healthy);
        second.Status.Should().Be(HealthStatus.Healthy, "idle consumers have no pending work, however long they wait");
        second.Description.Should().Be("3 consumers keep up.");
        second.Data.Should().BeEmpty();
    }

    [Fact]
    public async Task A_subscription_that_stays_above_the_fill_ratio_is_degraded_and_named_but_a_single_high_reading_is_not()
    {
        await using var fixture = new HealthFixture();
        fixture.Bus.Subscribe<Order>(async (_, _) => await fixture.Gate.PassAsync(), new SubscriptionOptions { Name = "slow", Capacity = 10 });
        await fixture.Bus.PublishAsync(new Order(0));
        await fixture.Gate.Entered.WaitAsync("the handler to hold the first order");
        for (var i = 1; i <= 8; i++)
        {
            await fixture.Bus.PublishAsync(new Order(i));
        }

        var burst = await fixture.CheckAsync();
        var sustained = await fixture.CheckAsync();

        burst.Status.Should().Be(HealthStatus.Healthy, "one reading at 80% is a burst");
        sustained.Status.Should().Be(HealthStatus.Degraded);
        sustained.Data.Should().ContainKey("subscription 'slow'").WhoseValue.Should().Be("8 of 10 buffered (80%) at two checks in a row");
        sustained.Description.Should().Be("subscription 'slow' is not keeping up: 8 of 10 buffered (80%) at two checks in a row.");

        fixture.Gate.Open();
        (await fixture.Bus.CompleteAsync()).Delivered.Should().Be(9);
    }

    [Fact]
    public async Task The_fill_ratio_is_configurable()
    {
        await using var fixture = new HealthFixture(o => o.FillRatio = 0.5);
        fixture.Bus.Subscribe<Order>(async (_, _) => await fixture.Gate.PassAsync(), new SubscriptionOptions { Name = "slow", Capacity = 10 });
        await fixture.Bus.PublishAsync(new Order(0));
        await fixture.Gate.Entered.WaitAsync("the handler");
        for (var i = 1; i <= 5; i++)
        {
            await fixture.Bus.PublishAsync(new Order(i));
        }

        await fixture.CheckAsync();
        var entry = await fixture.CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Data["subscription 'slow'"].Should().Be("5 of 10 buffered (50%) at two checks in a row");
    }

    [Fact]
    public async Task A_consumer_with_pending_work_and_no_progress_for_the_stall_timeout_is_unhealthy()
    {
        await using var fixture = new HealthFixture(o => o.StallTimeout = TimeSpan.FromSeconds(30));
        var handled = new Countdown(2);
        fixture.Bus.Subscribe<Order>(
            async (_, _) =>
            {
                await fixture.Gate.PassAsync();
                handled.Signal();
            },
            new SubscriptionOptions { Name = "stuck" });
        await fixture.Bus.PublishAsync(new Order(0));
        await fixture.Gate.Entered.WaitAsync("the handler to hold the first order");
        await fixture.Bus.PublishAsync(new Order(1));

        var start = await fixture.CheckAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(29));
        var before = await fixture.CheckAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var after = await fixture.CheckAsync();

        start.Status.Should().Be(HealthStatus.Healthy);
        before.Status.Should().Be(HealthStatus.Healthy, "29 s is within the stall timeout");
        after.Status.Should().Be(HealthStatus.Unhealthy);
        after.Data.Should().ContainKey("subscription 'stuck'").WhoseValue.Should().Be("stalled: 1 pending and nothing finished for 30 s");
        after.Description.Should().Be("subscription 'stuck' made no progress for 30 s with work pending: stalled: 1 pending and nothing finished for 30 s.");

        fixture.Gate.Open();
        await handled.WaitAsync("both orders");
        var recovered = await fixture.CheckAsync();
        recovered.Status.Should().Be(HealthStatus.Healthy, "the consumer finished its work");
        recovered.Description.Should().Be("1 consumers keep up.");
    }

    [Fact]
    public async Task A_stalled_consumer_reports_the_registrations_failure_status()
    {
        await using var fixture = new HealthFixture(failureStatus: HealthStatus.Degraded);
        fixture.Bus.Subscribe<Order>(async (_, _) => await fixture.Gate.PassAsync(), new SubscriptionOptions { Name = "stuck" });
        await fixture.Bus.PublishAsync(new Order(0));
        await fixture.Gate.Entered.WaitAsync("the handler");
        await fixture.Bus.PublishAsync(new Order(1));

        await fixture.CheckAsync();
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var entry = await fixture.CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Data.Should().ContainKey("subscription 'stuck'");
    }

    [Fact]
    public async Task Dead_letters_that_grew_since_the_last_check_degrade_it_and_old_ones_do_not()
    {
        await using var fixture = new HealthFixture();
        var lettered = new Countdown(2);
        fixture.DeadLetters.Added += _ => lettered.Signal();
        fixture.Bus.Subscribe<Order>(_ => throw new InvalidOperationException("declined"), new SubscriptionOptions { Name = "payments", RetryPolicy = s_noRetry });
        await fixture.Bus.PublishAsync(new Order(1));
        await fixture.Bus.PublishAsync(new Order(2));
        await lettered.WaitAsync("two dead letters");

        var grown = await fixture.CheckAsync();
        var unchanged = await fixture.CheckAsync();
        lettered = new Countdown(1);
        await fixture.Bus.PublishAsync(new Order(3));
        await lettered.WaitAsync("a third dead letter");
        var grownAgain = await fixture.CheckAsync();

        grown.Status.Should().Be(HealthStatus.Degraded);
        grown.Data.Should().Equal(new Dictionary<string, object> { ["subscription 'payments'"] = "2 new dead letters" });
        unchanged.Status.Should().Be(HealthStatus.Healthy);
        grownAgain.Status.Should().Be(HealthStatus.Degraded);
        grownAgain.Data["subscription 'payments'"].Should().Be("1 new dead letters");
    }

    [Fact]
    public async Task Registered_work_queues_are_checked_for_fill_and_stalls_once_created()
    {
        await using var fixture = new HealthFixture(bus: b => b.AddWorkQueue<Payment, GatedPayments>(o =>
        {
            o.WorkerCount = 1;
            o.Capacity = 4;
        }));

        (await fixture.CheckAsync()).Description.Should().Be("0 consumers keep up.", "a queue that was never created is not read (nor created)");
        fixture.Services.GetRequiredService<IEnumerable<IRegisteredWorkQueue>>().Single().IsCreated.Should().BeFalse();

        var queue = fixture.Services.GetRequiredService<IWorkQueue<Payment>>();
        await queue.EnqueueAsync(new Payment(0));
        await fixture.Gate.Entered.WaitAsync("the worker to hold the first payment");
        for (var i = 1; i <= 4; i++)
        {
            await queue.EnqueueAsync(new Payment(i));
        }

        await fixture.CheckAsync();
        var full = await fixture.CheckAsync();
        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        var stalled = await fixture.CheckAsync();

        full.Status.Should().Be(HealthStatus.Degraded);
        full.Data.Should().Equal(new Dictionary<string, object> { ["work queue 'Payment'"] = "4 of 4 buffered (100%) at two checks in a row" });
        stalled.Status.Should().Be(HealthStatus.Unhealthy);
        stalled.Data["work queue 'Payment'"].Should().Be("stalled: 5 pending and nothing finished for 120 s; 4 of 4 buffered (100%) at two checks in a row");
        stalled.Description.Should().StartWith("work queue 'Payment' made no progress for 60 s with work pending");
    }

    [Fact]
    public async Task Several_culprits_are_each_named()
    {
        await using var fixture = new HealthFixture();
        var lettered = new Countdown(2);
        fixture.DeadLetters.Added += _ => lettered.Signal();
        fixture.Bus.Subscribe<Order>(_ => throw new InvalidOperationException("a"), new SubscriptionOptions { Name = "first", RetryPolicy = s_noRetry });
        fixture.Bus.Subscribe<Order>(_ => throw new InvalidOperationException("b"), new SubscriptionOptions { Name = "second", RetryPolicy = s_noRetry });
        await fixture.Bus.PublishAsync(new Order(1));
        await lettered.WaitAsync("both dead letters");

        var entry = await fixture.CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Data.Keys.Should().BeEquivalentTo(["subscription 'first'", "subscription 'second'"]);
        entry.Description.Should().Be("2 consumers have trouble: subscription 'first' (1 new dead letters), subscription 'second' (1 new dead letters).");
    }

    [Fact]
    public void The_check_is_registered_under_its_name_with_its_tags_and_timeout()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks()
            .AddEventBus(tags: ["ready"], timeout: TimeSpan.FromSeconds(5))
            .AddEventBus(name: "second-bus-check", failureStatus: HealthStatus.Degraded);
        using var provider = services.BuildServiceProvider();

        var registrations = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        var first = registrations.Should().ContainSingle(r => r.Name == "eventbus").Which;
        first.Tags.Should().BeEquivalentTo(["ready"]);
        first.Timeout.Should().Be(TimeSpan.FromSeconds(5));
        first.FailureStatus.Should().Be(HealthStatus.Unhealthy);
        registrations.Should().ContainSingle(r => r.Name == "second-bus-check").Which.FailureStatus.Should().Be(HealthStatus.Degraded);
    }

    [Fact]
    public void Bad_input_throws_at_the_call_that_caused_it()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        FluentActions.Invoking(() => EventBusHealthChecksBuilderExtensions.AddEventBus(null!)).Should().Throw<ArgumentNullException>().WithParameterName("builder");
        FluentActions.Invoking(() => builder.AddEventBus(name: " ")).Should().Throw<ArgumentException>().WithParameterName("name");
        FluentActions.Invoking(() => builder.AddEventBus(o => o.FillRatio = 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FillRatio");
        FluentActions.Invoking(() => builder.AddEventBus(o => o.FillRatio = 1.01)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FillRatio");
        FluentActions.Invoking(() => builder.AddEventBus(o => o.FillRatio = double.NaN)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FillRatio");
        FluentActions.Invoking(() => builder.AddEventBus(o => o.StallTimeout = TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("StallTimeout");
        FluentActions.Invoking(() => builder.AddEventBus(o => o.StallTimeout = Timeout.InfiniteTimeSpan)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("StallTimeout");
    }

    [Fact]
    public void The_defaults_are_80_percent_and_one_minute()
    {
        var options = new EventBusHealthCheckOptions();
        options.FillRatio.Should().Be(0.8);
        options.StallTimeout.Should().Be(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Subscription_capacity_is_its_buffers_whatever_the_mode()
    {
        // An inline subscription buffers too: the events that find its lane taken wait there.
        await using var bus = EventBusFactory.Create();
        bus.Subscribe<Order>(_ => { }, new SubscriptionOptions { Capacity = 7 }).Capacity.Should().Be(7);
        bus.Subscribe<Order>(_ => { }, new SubscriptionOptions { Capacity = 7, Mode = DeliveryMode.Inline }).Capacity.Should().Be(7);
    }
}
