using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// What the bus tells you about a run: the same short run seen through each signal it reports,
/// and a check that the signals agree.
/// </summary>
/// <remarks>
/// The library's traces and metrics come with the observability issue. This scene is built around
/// <see cref="BusSignals"/> and <see cref="ObservabilityReport"/> so that spans and instruments
/// become two more collectors and two more sections, printed with the rest.
/// </remarks>
internal sealed class ObservabilityScene : Scene<ObservabilityResult>
{
    private static readonly RetryPolicy s_retry = new() { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), Jitter = 0 };

    public override string Name => "observability";

    public override string Title => "what the bus tells you: counters, callbacks, dead letters and logs";

    public override string Summary => "one run seen through every signal the bus reports, cross-checked";

    public override IReadOnlyList<string> Concept =>
    [
        "You cannot fix what you cannot see: a bus must say what it delivered, retried, dropped and gave up on.",
        "Each signal answers a different question: how many (counters), which and why (callbacks), when (logs).",
    ];

    public override async Task<ObservabilityResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var script = new CheckoutScript();
        var signals = new BusSignals();

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(script);
            services.AddEventBus(signals.Attach)
                .AddHandler<CheckoutCompleted, ReceiptPrinter>(static o => o.Name = ReceiptPrinter.Name)
                .AddHandler<CheckoutCompleted, LoyaltyPoints>(static o =>
                {
                    o.Name = LoyaltyPoints.Name;
                    o.RetryPolicy = s_retry;
                })
                .AddHandler<CheckoutCompleted, FraudCheck>(static o =>
                {
                    o.Name = FraudCheck.Name;
                    o.RetryPolicy = s_retry;
                })
                .AddHandler<CheckoutCompleted, LiveTicker>(static o =>
                {
                    o.Name = LiveTicker.Name;
                    o.Capacity = CheckoutScript.TickerCapacity;
                    o.FullMode = BufferFullMode.DropOldest;
                });
        }, cancellationToken);

        console.Say($"{CheckoutScript.Checkouts} checkouts reach four subscriptions: {ReceiptPrinter.Name} (always fine), {LoyaltyPoints.Name} " +
            $"(one timeout, then fine), {FraudCheck.Name} (fails on #{CheckoutScript.PermanentFailureAt} every time), {LiveTicker.Name} (buffer of {CheckoutScript.TickerCapacity}, DropOldest, stuck during the burst).");
        var publisher = host.Bus.GetPublisher<CheckoutCompleted>();
        for (var number = 1; number <= CheckoutScript.Checkouts; number++)
        {
            await publisher.PublishAsync(new CheckoutCompleted(number, 10m * number), cancellationToken);
        }

        script.BurstPublished.SetResult();
        var report = signals.ToReport(await host.StopAsync(cancellationToken), host.Logs.Records);

        console.Heading("How many: the drain result and each subscription's counters");
        console.Say($"DrainResult: {report.Drain}.");
        var counters = Ui.Table("subscription", "delivered", "failed attempts", "retried", "dead-lettered", "dropped", "abandoned");
        foreach (var subscription in report.Subscriptions)
        {
            var s = subscription.Statistics;
            counters.AddPlainRow(subscription.Name, Ui.Count(s.Delivered), Ui.Count(s.FailedAttempts), Ui.Count(s.Retried),
                Ui.Count(s.DeadLettered), Ui.Count(s.Dropped), Ui.Count(s.Abandoned));
        }

        console.Write(counters);

        console.Heading("Which and why: OnError, OnDropped and the dead-letter queue");
        var failures = Ui.Table("signal", "subscription", "event", "detail");
        foreach (var error in report.Errors)
        {
            failures.AddRow(
                Ui.Plain("OnError"),
                Ui.Plain(error.Source),
                Ui.Plain(Describe(error.Context, error.EventType)),
                error.WillRetry
                    ? Ui.Warn($"attempt {error.Attempt} failed, will retry: {error.Exception.Message}")
                    : Ui.Bad($"attempt {error.Attempt} failed, giving up: {error.Exception.Message}"));
        }

        foreach (var group in report.Drops.GroupBy(static d => (d.Source, d.Reason)))
        {
            var numbers = group.Select(static d => d.Event is CheckoutCompleted c ? c.Number : 0).Order().ToList();
            failures.AddRow(
                Ui.Plain("OnDropped"),
                Ui.Plain(group.Key.Source),
                Ui.Plain($"checkouts {string.Join(", ", numbers.Select(static n => n.ToString(CultureInfo.InvariantCulture)))}"),
                Ui.Warn($"{group.Count()} x {group.Key.Reason}"));
        }

        foreach (var letter in report.DeadLetters)
        {
            failures.AddRow(
                Ui.Plain("dead letter"),
                Ui.Plain(letter.Source),
                Ui.Plain(Describe(letter.Context, letter.MessageType, letter.Message)),
                Ui.Bad($"{letter.Attempts} attempts, {letter.Exception.GetType().Name}: {letter.Exception.Message}"));
        }

        console.Write(failures);

        console.Heading("When: the bus's own log lines (source-generated, never the payload)");
        var logs = Ui.Table("level", "event", "lines", "first message");
        foreach (var group in report.Logs.GroupBy(static l => (l.Level, l.EventId.Id, l.EventId.Name)).OrderBy(static g => g.Key.Id))
        {
            logs.AddPlainRow(group.Key.Level.ToString(), $"{group.Key.Id} {group.Key.Name}", Ui.Count(group.Count()), group.First().Message);
        }

        console.Write(logs);

        console.Heading("Do the signals agree?");
        var agreement = Ui.Table("fact", "DrainResult", "counters (sum)", "callbacks", "dead-letter queue", "log lines", "agree");
        foreach (var row in Reconcile(report))
        {
            agreement.AddRow(
                Ui.Plain(row.Fact),
                Ui.Plain(Show(row.Drain)),
                Ui.Plain(Show(row.Counters)),
                Ui.Plain(Show(row.Callbacks)),
                Ui.Plain(Show(row.DeadLetterQueue)),
                Ui.Plain(Show(row.Logs)),
                row.Agrees ? Ui.Good("yes") : Ui.Bad("NO"));
        }

        console.Write(agreement);

        console.KnowledgeCheck(
            "A customer's checkout is missing from the live ticker. Where do you look, and in what order?",
            "The counters first: they say whether anything was lost and how (dropped by a full mode, dead-lettered after " +
            "retries, abandoned at shutdown) and where (which subscription). Then the callbacks and dead letters name the event " +
            "and the reason, and the logs, which carry the same event id, say when. Here the ticker dropped the oldest checkouts " +
            "on purpose: a drop is never silent.");

        return new ObservabilityResult(CheckoutScript.Checkouts, report);
    }

    /// <summary>One fact (say, dead-lettered) as each signal reports it; null where a signal does not carry it.</summary>
    internal static IReadOnlyList<Reconciliation> Reconcile(ObservabilityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var handlerErrors = report.Errors.Where(static e => e.Kind == DeliveryErrorKind.HandlerFailed).ToList();
        return
        [
            new("delivered", report.Drain.Delivered, report.CountedDelivered, null, null, null),
            new("failed attempts", null, report.CountedFailedAttempts, handlerErrors.Count, null, null),
            new("retries", null, report.CountedRetries, handlerErrors.Count(static e => e.WillRetry), null, report.LogsNamed("HandlerFailed")),
            new("dead-lettered", report.Drain.DeadLettered, report.CountedDeadLetters, handlerErrors.Count(static e => !e.WillRetry), report.DeadLetters.Count, report.LogsNamed("DeadLettered")),
            new("dropped", report.Drain.Dropped, report.CountedDrops, report.Drops.Count, null, report.LogsNamed("EventDropped")),
        ];
    }

    private static string Show(long? value) => value is { } v ? Ui.Count(v) : "-";

    private static string Describe(EventContext? context, Type type, object? message = null)
    {
        var number = message is CheckoutCompleted c ? $" #{c.Number}" : "";
        return context is null ? $"{type.Name}{number}" : $"{type.Name}{number} {Ui.ShortId(context.Id)}";
    }
}
