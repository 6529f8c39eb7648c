// A user's program: pub/sub, a work queue, a health check, the Generic Host and one tracked publish, consumed as packages, with
// the handler classes registered by the source-generated AddEventBusHandlers(). It exits with 0 only when
// every event and item reached its handler exactly once and the health check ran; scripts/package-smoke.sh
// runs it as a normal (JIT) program and as a native AOT binary.
using System.Collections.Concurrent;
using EventBus;
using EventBus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

const int Orders = 200;
// The last order is published through EventBusTracker (the EventBus.Testing package).
var ledger = new Ledger(Orders + 1);

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(ledger);
// AddEventBusHandlers() is written at compile time by the generator the EventBus.DependencyInjection
// package carries in its analyzers folder: this line compiles only if the packed generator ran.
builder.Services.AddEventBus(options => options.DrainTimeout = TimeSpan.FromSeconds(30))
    .AddEventBusHandlers();
builder.Services.AddHealthChecks().AddEventBus();

using var host = builder.Build();
await host.StartAsync();

// A plain delegate subscription and a struct event through a typed publisher, besides the handler classes.
var bus = host.Services.GetRequiredService<IEventBus>();
using var audit = bus.Subscribe<OrderPlaced>(order => ledger.Audited.Add(order.Id), new SubscriptionOptions { Mode = DeliveryMode.Inline });
var ticks = 0;
using var tickSubscription = bus.Subscribe<Tick>(_ => Interlocked.Increment(ref ticks));
var publisher = host.Services.GetRequiredService<IPublisher<OrderPlaced>>();
var tickPublisher = bus.GetPublisher<Tick>();

for (var i = 1; i <= Orders; i++)
{
    await publisher.PublishAsync(new OrderPlaced(i, 10m + i));
    tickPublisher.Publish(new Tick(i));
}

TrackedSession tracked;
using (var tracker = new EventBusTracker(bus).Track(host.Services.GetRequiredService<IWorkQueue<ChargeCard>>()))
{
    tracked = await tracker.PublishAndWaitAsync(new OrderPlaced(Orders + 1, 99m));
}

var trackedOk = tracked.AllHandled && tracked.MessagesOf<ChargeCard>().Count() == 1 && tracked.Roots.Single().Outcomes.Count == 3;
await ledger.AllCharged.WaitAsync(TimeSpan.FromSeconds(60));
var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
await host.StopAsync();

var ok = ledger.Reserved.Count == Orders + 1 && ledger.Charged.Count == Orders + 1 && ledger.Audited.Count == Orders + 1
    && ledger.Charged.Distinct().Count() == Orders + 1 && Volatile.Read(ref ticks) == Orders && trackedOk
    && health.Entries["eventbus"].Status != HealthStatus.Unhealthy;
// The script says how it ran this build (the AOT feature switches are set for the JIT run too).
var mode = args.Length > 0 ? args[0] : "jit";
Console.WriteLine($"package smoke ({mode}): " +
    $"{ledger.Reserved.Count} reserved, {ledger.Charged.Count} charged once each, {ledger.Audited.Count} audited, {ticks} ticks, " +
    $"tracked publish {tracked.Messages.Count} messages, all handled: {tracked.AllHandled}, " +
    $"health {health.Entries["eventbus"].Status} ({health.Entries["eventbus"].Description}): {(ok ? "ok" : "FAILED")}");
return ok ? 0 : 1;

public sealed record OrderPlaced(int Id, decimal Total);

public sealed record ChargeCard(int OrderId, decimal Amount);

public readonly record struct Tick(int Value);

public sealed class Ledger(int orders)
{
    private readonly TaskCompletionSource _allCharged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = orders;

    public ConcurrentBag<int> Reserved { get; } = [];

    public ConcurrentBag<int> Charged { get; } = [];

    public ConcurrentBag<int> Audited { get; } = [];

    public Task AllCharged => _allCharged.Task;

    public void Charge(int orderId)
    {
        Charged.Add(orderId);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _allCharged.TrySetResult();
        }
    }
}

public sealed class ReserveStock(Ledger ledger) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        ledger.Reserved.Add(@event.Id);
        return default;
    }
}

[EventBusHandler(Concurrency = 2)]
public sealed class RequestPayment(IWorkQueue<ChargeCard> payments) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) =>
        payments.EnqueueAsync(new ChargeCard(@event.Id, @event.Total), cancellationToken);
}

[EventBusHandler(Concurrency = 2)]
public sealed class ChargeCardHandler(Ledger ledger) : IWorkItemHandler<ChargeCard>
{
    public async ValueTask HandleAsync(ChargeCard item, EventContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        ledger.Charge(item.OrderId);
    }
}
