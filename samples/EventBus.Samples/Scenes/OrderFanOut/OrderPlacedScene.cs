using System.Collections.Concurrent;
using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>
/// Fan-out with isolation: four services react to one event, one of them keeps failing on one
/// order, and the failure stays with that service (retried, then dead-lettered).
/// </summary>
internal sealed class OrderPlacedScene : Scene<OrderPlacedResult>
{
    public const string Topic = "order-events";

    private static readonly string[] s_services =
        [InventoryService.Name, PaymentService.Name, ConfirmationEmailService.Name, ShippingService.Name];

    // Short and exact (no jitter) so the demo stays quick: attempts at 0, +20 ms, +40 ms.
    private static readonly RetryPolicy s_retry = new()
    {
        MaxRetries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        Backoff = BackoffKind.Exponential,
        Jitter = 0,
    };

    public override string Name => "order-placed";

    public override string Title => "fan-out with isolation: a failing consumer is retried, dead-lettered, and alone";

    public override string Summary => "fan-out with isolation: a failing email service is retried and dead-lettered";

    public override IReadOnlyList<string> Concept =>
    [
        "Each subscription has its own buffer, consumer loop and retries: one failing consumer holds up no one.",
        "A failure is retried with backoff; when retries run out, the event goes to a dead-letter queue, not lost.",
    ];

    public override async Task<OrderPlacedResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var ledger = new OrderLedger();
        var deadLetters = new DeadLetterQueue();
        var errors = new ConcurrentQueue<DeliveryError>();

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(ledger);
            AddServices(services.AddEventBus(o =>
            {
                o.DeadLetterSink = deadLetters;
                o.OnError = errors.Enqueue;
            }));
        }, cancellationToken);

        OrderPlaced[] orders =
        [
            new("A-1001", "Ada", "ada@example.com", "KB-101", 1, 89.00m, "EUR"),
            new("A-1002", "Bob", "bob@example.invalid", "MS-220", 2, 59.80m, "EUR"),
            new("A-1003", "Cy", "cy@example.com", "HD-330", 1, 129.50m, "EUR"),
        ];

        console.Say($"The shop publishes {orders.Length} {nameof(OrderPlaced)} events on '{Topic}', the order id as correlation id.");
        console.Say($"Bob's address is always refused by the mail server. Failures are retried {s_retry.MaxRetries} times: after 20, then 40 ms.");
        foreach (var order in orders)
        {
            await host.Bus.PublishAsync(order, new PublishOptions { Topic = Topic, CorrelationId = order.OrderId }, cancellationToken);
        }

        var report = await host.StopAsync(cancellationToken);
        var handlings = ledger.Handlings;
        var letters = deadLetters.ToList();

        console.Heading("Who handled which order");
        var matrix = Ui.Table(["service", .. orders.Select(o => o.OrderId), "delivered", "failed attempts", "retries", "dead-lettered"]);
        foreach (var service in s_services)
        {
            var statistics = report[service];
            List<IRenderable> cells = [Ui.Plain(service)];
            foreach (var order in orders)
            {
                cells.Add(handlings.Any(h => h.Service == service && h.OrderId == order.OrderId && h.Succeeded)
                    ? Ui.Good("done")
                    : letters.Any(l => l.Source == service && ((OrderPlaced)l.Message).OrderId == order.OrderId)
                        ? Ui.Bad("dead-lettered")
                        : Ui.Warn("missing"));
            }

            cells.Add(Ui.Plain(Ui.Count(statistics.Delivered)));
            cells.Add(Ui.Plain(Ui.Count(statistics.FailedAttempts)));
            cells.Add(Ui.Plain(Ui.Count(statistics.Retried)));
            cells.Add(statistics.DeadLettered > 0 ? Ui.Bad(Ui.Count(statistics.DeadLettered)) : Ui.Plain("0"));
            matrix.AddRow(cells);
        }

        console.Write(matrix);

        console.Heading("The email service, attempt by attempt (reported to EventBusOptions.OnError)");
        var attempts = Ui.Table("order", "attempt", "what the bus did next", "exception");
        foreach (var error in errors.Where(static e => e.Source == ConfirmationEmailService.Name))
        {
            attempts.AddRow(
                Ui.Plain(error.Context?.CorrelationId ?? "?"),
                Ui.Plain(error.Attempt.ToString(CultureInfo.InvariantCulture)),
                error.WillRetry ? Ui.Warn("retry after a backoff") : Ui.Bad("give up: dead-letter it"),
                Ui.Plain(error.Exception.Message));
        }

        console.Write(attempts);

        console.Heading("The dead-letter queue");
        var dead = Ui.Table("order", "event id", "source", "attempts", "given up", "exception");
        foreach (var letter in letters)
        {
            dead.AddPlainRow(
                ((OrderPlaced)letter.Message).OrderId,
                letter.Context is null ? "-" : Ui.ShortId(letter.Context.Id),
                letter.Source,
                letter.Attempts.ToString(CultureInfo.InvariantCulture),
                $"{(letter.DeadLetteredAt - letter.FirstFailedAt).TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms after the first failure",
                $"{letter.Exception.GetType().Name}: {letter.Exception.Message}");
        }

        console.Write(dead);
        console.Say($"Bus: {report.Drain}.");
        console.Note("the dead letter keeps the event, the exception and the attempt count: someone can fix the address and publish it again.");

        console.KnowledgeCheck(
            "An order must update inventory, charge the card, send a confirmation and notify shipping. Pub/sub or a queue?",
            "Pub/sub. Four services each need the same fact, each for its own job, and each must fail on its own: above, the email " +
            "failure did not delay or break inventory, payment or shipping. A queue would give the order to exactly one of them.");

        var (instances, charges) = await ScaleOutPaymentAsync(console, cancellationToken);
        console.Say($"{instances} subscribed copies, {charges} charges: pub/sub gives every subscription its own copy of the event.");
        console.Say("Work that must happen once goes on a work queue instead (pubsub-vs-queue); payment-queue shows one at work.");

        return new OrderPlacedResult(orders, handlings, [.. errors], letters, report, instances, charges);
    }

    /// <summary>
    /// Shows why pub/sub is the wrong tool for work that must happen once: two copies of the payment
    /// service, both subscribed, both charge.
    /// </summary>
    private static async Task<(int Instances, int Charges)> ScaleOutPaymentAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        const int Instances = 2;
        console.Heading("What if we scale the payment service by running a second copy of it?");
        var ledger = new OrderLedger();
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(ledger);
            var bus = services.AddEventBus();
            for (var i = 1; i <= Instances; i++)
            {
                var name = $"{PaymentService.Name}-{i}";
                bus.AddHandler<OrderPlaced, PaymentService>(o => Subscribe(o, name));
            }
        }, cancellationToken);

        var order = new OrderPlaced("A-2001", "Dee", "dee@example.com", "KB-101", 1, 89.00m, "EUR");
        await host.Bus.PublishAsync(order, PublishOptions.ForTopic(Topic), cancellationToken);
        await host.StopAsync(cancellationToken);

        var charges = ledger.Handlings.Count(h => h.OrderId == order.OrderId && h.Service == PaymentService.Name && h.Succeeded);
        console.Write(Ui.Table("order", "payment instances subscribed", "times the card was charged")
            .AddRow(Ui.Plain(order.OrderId), Ui.Plain(Instances.ToString(CultureInfo.InvariantCulture)), Ui.Bad(charges.ToString(CultureInfo.InvariantCulture))));
        return (Instances, charges);
    }

    /// <summary>The four services of the shop, each a handler class with its own subscription on <see cref="Topic"/>
    /// (they need an <see cref="OrderLedger"/> in the container).</summary>
    internal static IEventBusBuilder AddServices(IEventBusBuilder bus) => bus
        .AddHandler<OrderPlaced, InventoryService>(static o => Subscribe(o, InventoryService.Name))
        .AddHandler<OrderPlaced, PaymentService>(static o => Subscribe(o, PaymentService.Name))
        .AddHandler<OrderPlaced, ConfirmationEmailService>(static o => Subscribe(o, ConfirmationEmailService.Name))
        .AddHandler<OrderPlaced, ShippingService>(static o => Subscribe(o, ShippingService.Name));

    private static void Subscribe(SubscriptionOptions options, string name)
    {
        options.Name = name;
        options.Topic = Topic;
        options.RetryPolicy = s_retry;
    }
}
