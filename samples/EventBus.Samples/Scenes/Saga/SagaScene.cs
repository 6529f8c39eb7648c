using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.Saga;

/// <summary>
/// A saga: a business transaction across services that cannot share a database transaction, run
/// as a chain of local steps driven by events, with compensating steps when one fails.
/// </summary>
internal sealed class SagaScene : Scene<SagaResult>
{
    private const string Keyboard = "KB-101";
    private const string Mouse = "MS-220";

    public override string Name => "saga";

    public override string Title => "order, reserve, charge, ship, and compensation when payment fails";

    public override string Summary => "an event-driven order saga; a declined payment is compensated";

    public override IReadOnlyList<string> Concept =>
    [
        "No transaction spans several services. A saga runs one local step per service, each set off by an event.",
        "When a step fails, the saga runs compensating steps that undo the ones already done, latest first.",
    ];

    public override async Task<SagaResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var stockBefore = new Dictionary<string, int>(StringComparer.Ordinal) { [Keyboard] = 10, [Mouse] = 10 };
        var warehouse = new Warehouse(stockBefore);
        var gateway = new PaymentGateway();
        var book = new OrderBook();
        var store = new SagaStore();
        var timeline = new SagaTimeline();

        console.Heading("Who takes part");
        console.Write(Ui.Table("participant", "handles", "publishes")
            .AddPlainRow(OrderService.Name, "CancelOrder, OrderShipped", "OrderPlaced, OrderCancelled")
            .AddPlainRow(OrderSagaOrchestrator.Name, "every saga event (one subscription to ISagaEvent)", "ReserveInventory, ChargePayment, ShipOrder, ReleaseInventory, CancelOrder")
            .AddPlainRow(InventoryService.Name, "ReserveInventory, ReleaseInventory", "InventoryReserved, InventoryReleased")
            .AddPlainRow(PaymentService.Name, "ChargePayment", "PaymentCharged or PaymentDeclined")
            .AddPlainRow(ShippingService.Name, "ShipOrder", "OrderShipped"));
        console.Note("this saga is orchestrated: one class decides every next step and every compensation, so the flow reads in one place. " +
            "With choreography each service would react to the previous one's event instead; there is no coordinator, and the flow is spread out.");
        console.Note("nobody lists these handlers: AddEventBusHandlers(), written at compile time by the DI package's source generator, " +
            "subscribes each class to every event it implements IEventHandler<T> for (two each for inventory and orders), with no reflection at run time.");

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(warehouse).AddSingleton(gateway).AddSingleton(book).AddSingleton(store);
            services.AddSingleton<SagaBus>();
            // Discovery: the generator found every handler class at compile time and wrote AddEventBusHandlers(),
            // one AddHandler call per event a class handles (InventoryService and OrderService handle two each).
            // This assembly holds every scene, so the filter keeps this scene's classes only; an application
            // calls AddEventBusHandlers() alone.
            services.AddEventBus()
                .AddEventBusHandlers(static handler => handler.Namespace == typeof(SagaScene).Namespace);
        }, cancellationToken);

        // One subscription to the interface every saga message implements sees them all.
        using var recorder = host.Bus.Subscribe<ISagaMessage>(timeline.Record, new SubscriptionOptions { Name = "timeline", Mode = DeliveryMode.Inline });

        OrderPlaced[] orders =
        [
            new("S-5001", "Ada", Keyboard, 2, 178.00m, "4242 4242 4242 4242"),
            new("S-5002", "Bob", Mouse, 3, 89.70m, PaymentGateway.DeclinedCard),
        ];

        console.WriteLine();
        console.Say("Ada orders 2 keyboards; Bob orders 3 mice, paying with a card the bank declines.");
        var orderService = ActivatorUtilities.CreateInstance<OrderService>(host.Services);
        foreach (var order in orders)
        {
            await orderService.PlaceAsync(order, cancellationToken);
        }

        // Each saga signals when it has shipped or been undone; only then is the bus drained (a
        // drained bus accepts no more publishes, and the sagas publish until their last step).
        foreach (var order in orders)
        {
            await store.WhenFinishedAsync(order.OrderId).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        var report = await host.StopAsync(cancellationToken);

        var timelines = new Dictionary<string, IReadOnlyList<TimelineEntry>>(StringComparer.Ordinal);
        foreach (var order in orders)
        {
            var entries = timeline.For(order.OrderId);
            timelines[order.OrderId] = entries;
            console.Heading($"Timeline of {order.OrderId} ({order.Customer}), correlation id {order.OrderId}");
            var table = Ui.Table("step", "message", "kind", "published by", "event id", "caused by");
            foreach (var entry in entries)
            {
                var compensation = entry.Message is nameof(ReleaseInventory) or nameof(InventoryReleased) or nameof(CancelOrder) or nameof(OrderCancelled);
                var failure = entry.Message is nameof(PaymentDeclined);
                table.AddRow(
                    Ui.Plain(entry.Step.ToString(CultureInfo.InvariantCulture)),
                    failure ? Ui.Bad(entry.Message) : compensation ? Ui.Warn(entry.Message) : Ui.Plain(entry.Message),
                    Ui.Plain(entry.IsCommand ? "command" : "event"),
                    Ui.Plain(entry.Producer),
                    Ui.Plain(Ui.ShortId(entry.EventId)),
                    Ui.Plain(entry.CausationId is { } cause ? Ui.ShortId(cause) : "-"));
            }

            console.Write(table);
        }

        console.Note("steps come from the causation chain each participant stamps on what it publishes. The order in which messages " +
            "reach a subscriber is not causal order: the bus delivers to each subscription independently, and a quick reply can arrive first.");

        var stockAfter = warehouse.Stock;
        var charges = gateway.Charges;
        console.Heading("Where everything ended");
        var outcome = Ui.Table("order", "saga", "order status", "charged", "stock of its item (before -> after)");
        foreach (var order in orders)
        {
            var status = book.Statuses[order.OrderId];
            outcome.AddRow(
                Ui.Plain(order.OrderId),
                Ui.Plain(store.Statuses[order.OrderId].ToString()),
                status == "shipped" ? Ui.Good(status) : Ui.Warn(status),
                Ui.Plain(charges.TryGetValue(order.OrderId, out var amount) ? Ui.Money(amount, "EUR") : "nothing"),
                Ui.Plain($"{order.Sku}: {stockBefore[order.Sku]} -> {stockAfter[order.Sku]}"));
        }

        console.Write(outcome);
        console.Say($"Bus: {report.Drain}.");

        console.KnowledgeCheck(
            "Why not wrap reserve, charge and ship in one database transaction?",
            "Because each service owns its data (in a real system, its own database behind its own network address), and no " +
            "transaction spans them. A saga commits each step locally and, when a later step fails, runs compensations: Bob's " +
            $"stock was reserved, his card was declined, so the reservation was released and the order cancelled. The stock is back at 10.");

        return new SagaResult(orders, timelines, store.Statuses.ToDictionary(StringComparer.Ordinal), book.Statuses, charges, stockBefore, stockAfter, report);
    }
}
