using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// What the bus tells you about a run: the same short run seen through each signal it reports
/// (traces, metrics, counters, callbacks, dead letters, logs), and a check that they agree.
/// </summary>
internal sealed class ObservabilityScene : Scene<ObservabilityResult>
{
    public const string Topic = "sales";

    /// <summary>The checkout whose trace is shown span by span: the one with a retry in it.</summary>
    public const int TracedCheckout = CheckoutScript.TransientFailureAt;

    private static readonly RetryPolicy s_retry = new() { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), Jitter = 0 };
    private static readonly string[] s_subscriptions = [ReceiptPrinter.Name, LoyaltyPoints.Name, FraudCheck.Name, LiveTicker.Name];

    public override string Name => "observability";

    public override string Title => "what the bus tells you: traces, metrics, counters, callbacks, dead letters, logs";

    public override string Summary => "one run through traces, metrics, counters, callbacks and logs, cross-checked";

    public override IReadOnlyList<string> Concept =>
    [
        "You cannot fix what you cannot see: a bus must say what it delivered, retried, dropped and gave up on.",
        "Traces follow one event from publish to each handler; metrics count and time; callbacks and logs say why.",
    ];

    public override async Task<ObservabilityResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var script = new CheckoutScript();
        using var signals = new BusSignals();

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(script);
            services.AddEventBus(signals.Attach)
                .AddFilter<LogScopeFilter>()
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

        // The bus made its meter through the host's IMeterFactory: listen to that factory's meters only.
        signals.ListenToMetrics(host.Services.GetRequiredService<IMeterFactory>());

        console.Say($"{CheckoutScript.Checkouts} checkouts are published on '{Topic}' to four subscriptions: {ReceiptPrinter.Name} (always fine), " +
            $"{LoyaltyPoints.Name} (one");
        console.Say($"timeout, then fine), {FraudCheck.Name} (fails on #{CheckoutScript.PermanentFailureAt} every time) and {LiveTicker.Name} " +
            $"(a buffer of {CheckoutScript.TickerCapacity}, DropOldest, stuck");
        console.Say("during the burst). An ActivityListener and a MeterListener listen in, as an OpenTelemetry SDK would.");
        console.Say("Each checkout carries a correlation id (its cart); a handler filter opens a logging scope around every handler call.");
        using (signals.Traces.StartRun("checkout burst"))
        {
            for (var number = 1; number <= CheckoutScript.Checkouts; number++)
            {
                var options = new PublishOptions { Topic = Topic, CorrelationId = CartId(number) };
                await host.Bus.PublishAsync(new CheckoutCompleted(number, 10m * number), options, cancellationToken);
            }
        }

        // Read the queue-depth gauge while the ticker is still stuck with a full buffer.
        signals.Metrics.ObserveGauges();
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

        WriteTrace(console, report);
        WriteMetrics(console, report);
        WriteCallbacks(console, report);

        console.Heading("When: the bus's own log lines (source-generated, never the payload)");
        var logs = Ui.Table("level", "event", "lines", "first message");
        foreach (var group in report.Logs.Where(static l => !IsHandlersOwn(l)).GroupBy(static l => (l.Level, l.EventId.Id, l.EventId.Name)).OrderBy(static g => g.Key.Id))
        {
            logs.AddPlainRow(group.Key.Level.ToString(), $"{group.Key.Id} {group.Key.Name}", Ui.Count(group.Count()), group.First().Message);
        }

        console.Write(logs);
        WriteHandlerLogs(console, report);

        console.Heading("Do the signals agree?");
        var agreement = Ui.Table("fact", "drain", "counters", "callbacks", "dead letters", "logs", "metrics", "spans", "agree");
        foreach (var row in Reconcile(report))
        {
            agreement.AddRow(
                Ui.Plain(row.Fact),
                Ui.Plain(Show(row.Drain)),
                Ui.Plain(Show(row.Counters)),
                Ui.Plain(Show(row.Callbacks)),
                Ui.Plain(Show(row.DeadLetterQueue)),
                Ui.Plain(Show(row.Logs)),
                Ui.Plain(Show(row.Metrics)),
                Ui.Plain(Show(row.Spans)),
                row.Agrees ? Ui.Good("yes") : Ui.Bad("NO"));
        }

        console.Write(agreement);
        WriteHookUp(console);

        console.KnowledgeCheck(
            "A customer's checkout is missing from the live ticker. Where do you look, and in what order?",
            "The metrics first: eventbus.messages.dropped by subscription and reason says whether anything was lost and where, " +
            "without reading a single event (likewise dead_lettered, and the counters). Then the trace of that checkout: its publish " +
            "span and the process spans linked to it show which subscriptions handled it, in which attempt, with which error; the " +
            "ticker has no process span for it. The callbacks and logs, keyed by the same message id, give the reason and the time. " +
            "Here the ticker dropped the oldest checkouts on purpose: a drop is never silent.");

        return new ObservabilityResult(CheckoutScript.Checkouts, report);
    }

    /// <summary>One fact (say, dead-lettered) as each signal reports it; null where a signal does not carry it.</summary>
    internal static IReadOnlyList<Reconciliation> Reconcile(ObservabilityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var handlerErrors = report.Errors.Where(static e => e.Kind == DeliveryErrorKind.HandlerFailed).ToList();
        var process = report.ProcessSpans;
        return
        [
            new("published", null, null, null, null, null, report.MetricSum(SignalNames.Sent), report.PublishSpans.Count),
            new("delivered", report.Drain.Delivered, report.CountedDelivered, null, null, null,
                null, process.Count(static s => s.Status != ActivityStatusCode.Error)),
            new("failed attempts", null, report.CountedFailedAttempts, handlerErrors.Count, null, null,
                report.MetricCount(SignalNames.ProcessDuration, failedOnly: true), process.Count(static s => s.Status == ActivityStatusCode.Error)),
            new("retries", null, report.CountedRetries, handlerErrors.Count(static e => e.WillRetry), null, report.LogsNamed("HandlerFailed"),
                report.MetricSum(SignalNames.Retried)),
            new("dead-lettered", report.Drain.DeadLettered, report.CountedDeadLetters, handlerErrors.Count(static e => !e.WillRetry),
                report.DeadLetters.Count, report.LogsNamed("DeadLettered"), report.MetricSum(SignalNames.DeadLettered)),
            new("dropped", report.Drain.Dropped, report.CountedDrops, report.Drops.Count, null, report.LogsNamed("EventDropped"),
                report.MetricSum(SignalNames.Dropped)),
        ];
    }

    private static void WriteTrace(IAnsiConsole console, ObservabilityReport report)
    {
        console.Heading($"Traces: checkout #{TracedCheckout}, from its publish span to every process span");
        var publishes = report.PublishSpans;
        var publish = publishes.Count >= TracedCheckout ? publishes[TracedCheckout - 1] : null;
        if (publish is null)
        {
            console.Say("No publish span was recorded.");
            return;
        }

        var messageId = publish.Tag(SignalNames.MessageId);
        var table = Ui.Table("span", "kind", "span id", "parent / link", "subscription", "attempt", "error.type");
        table.AddPlainRow(publish.Name, publish.Kind.ToString(), Short(publish.SpanId), "parent: the run", "-", "-", "-");
        foreach (var span in report.ProcessSpans.Where(s => s.Tag(SignalNames.MessageId) == messageId)
                     .OrderBy(static s => Array.IndexOf(s_subscriptions, s.Tag(SignalNames.Subscription)))
                     .ThenBy(static s => s.StartTimeUtc))
        {
            var linked = report.LinkedPublish(span);
            table.AddRow(
                Ui.Plain(span.Name),
                Ui.Plain(span.Kind.ToString()),
                Ui.Plain(Short(span.SpanId)),
                linked is null ? Ui.Bad("no link") : Ui.Good($"link: {Short(linked.SpanId)}"),
                Ui.Plain(span.Tag(SignalNames.Subscription) ?? "-"),
                Ui.Plain(span.Tag(SignalNames.DeliveryAttempt) ?? "-"),
                span.Tag(SignalNames.ErrorType) is { } error ? Ui.Bad(error) : Ui.Plain("-"));
        }

        console.Write(table);
        if (!report.ProcessSpans.Any(s => s.Tag(SignalNames.MessageId) == messageId && s.Tag(SignalNames.Subscription) == LiveTicker.Name))
        {
            console.Say($"{LiveTicker.Name} has no span here: it dropped checkout #{TracedCheckout} from its full buffer, so no handler ran.");
        }

        console.Say($"The publish span {Short(publish.SpanId)} is a child of the run's span. Each process span starts a trace of its own and");
        console.Say("links to it: the handler runs later, on its own loop, caused by the publish but not part of it.");
        console.Say("(With EventBusOptions.LinkProcessSpans = false, process spans are the publish span's children instead.)");
        console.Say("Every span also carries messaging.system=eventbus, messaging.operation.name and .type,");
        console.Say($"{SignalNames.Destination}={Topic} and {SignalNames.MessageId}: the event id the logs, callbacks and dead letters use.");
        var process = report.ProcessSpans;
        var linkedCount = process.Count(s => report.LinkedPublish(s) is { } p && p.Tag(SignalNames.MessageId) == s.Tag(SignalNames.MessageId));
        console.Heading("Traces: the whole run");
        var summary = Ui.Table("span", "kind", "spans", "linked to the publish span of the same event", "with error.type");
        summary.AddPlainRow(publish.Name, ActivityKind.Producer.ToString(), Ui.Count(publishes.Count), "-", "0");
        summary.AddRow(
            Ui.Plain(process.Count > 0 ? process[0].Name : $"process {Topic}"),
            Ui.Plain(ActivityKind.Consumer.ToString()),
            Ui.Plain(Ui.Count(process.Count)),
            linkedCount == process.Count ? Ui.Good($"{linkedCount} of {process.Count}") : Ui.Bad($"{linkedCount} of {process.Count}"),
            Ui.Plain(Ui.Count(process.Count(static s => s.Tag(SignalNames.ErrorType) is not null))));
        console.Write(summary);
        console.Say("One process span per handler attempt, retries included; a dropped event has none.");
    }

    private static void WriteMetrics(IAnsiConsole console, ObservabilityReport report)
    {
        console.Heading($"Metrics: the instruments of the '{EventBusDiagnostics.MeterName}' meter, per subscription");
        var counters = Ui.Table(["instrument", .. s_subscriptions, "all"]);
        AddCounterRow(counters, report, SignalNames.Sent, perSubscription: false);
        AddCounterRow(counters, report, SignalNames.Consumed, perSubscription: true);
        AddCounterRow(counters, report, SignalNames.Retried, perSubscription: true);
        AddCounterRow(counters, report, SignalNames.DeadLettered, perSubscription: true);
        AddCounterRow(counters, report, SignalNames.Dropped, perSubscription: true);
        AddCounterRow(counters, report, SignalNames.QueueDepth, perSubscription: true);
        console.Write(counters);
        var reasons = report.Series(SignalNames.Dropped).Select(static s => s.Tag(SignalNames.DropReason)).Distinct();
        console.Say($"Counters are sums of messages; {SignalNames.Dropped} is also tagged with the reason ({string.Join(", ", reasons)}).");
        console.Say($"{SignalNames.QueueDepth} is a gauge, read once here, right after the burst, while the ticker was stuck.");

        var histograms = Ui.Table("histogram (seconds, shown in ms)", "subscription", "measurements", "of failed attempts", "average", "max");
        foreach (var instrument in (string[])[SignalNames.ProcessDuration, SignalNames.Lag])
        {
            foreach (var subscription in s_subscriptions)
            {
                var series = report.Series(instrument, subscription).ToList();
                var count = series.Sum(static s => s.Count);
                histograms.AddPlainRow(
                    subscription == s_subscriptions[0] ? instrument : "",
                    subscription,
                    Ui.Count(count),
                    instrument == SignalNames.ProcessDuration ? Ui.Count(report.MetricCount(instrument, subscription, failedOnly: true)) : "-",
                    count == 0 ? "-" : Milliseconds(series.Sum(static s => s.Sum) / count),
                    count == 0 ? "-" : Milliseconds(series.Max(static s => s.Max)));
            }
        }

        console.Write(histograms);
        console.Say($"{SignalNames.ProcessDuration}: how long each handler attempt took (failed ones carry error.type).");
        console.Say($"{SignalNames.Lag}: how long an event waited between its publish and its first attempt; a lag that");
        console.Say("keeps growing is the first sign of a consumer falling behind.");
    }

    private static void AddCounterRow(Table table, ObservabilityReport report, string instrument, bool perSubscription)
    {
        List<IRenderable> cells = [Ui.Plain(instrument)];
        foreach (var subscription in s_subscriptions)
        {
            cells.Add(Ui.Plain(perSubscription ? Ui.Count(report.MetricSum(instrument, subscription)) : "-"));
        }

        cells.Add(Ui.Plain(Ui.Count(report.MetricSum(instrument))));
        table.AddRow(cells);
    }

    private static void WriteCallbacks(IAnsiConsole console, ObservabilityReport report)
    {
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
    }

    /// <summary>The correlation id the checkout <paramref name="number"/> is published with.</summary>
    internal static string CartId(int number) => $"cart-{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Whether <paramref name="line"/> was logged by a handler of this scene rather than by the bus.</summary>
    internal static bool IsHandlersOwn(LogRecord line) => line.Category == typeof(FraudCheck).FullName;

    private static void WriteHandlerLogs(IAnsiConsole console, ObservabilityReport report)
    {
        console.Heading("Whose: a handler's own log lines, with the ids a filter's logging scope adds");
        var table = Ui.Table("level", "message", "scope (opened by LogScopeFilter)");
        foreach (var line in report.Logs.Where(IsHandlersOwn))
        {
            table.AddPlainRow(line.Level.ToString(), line.Message, line.Scope ?? "-");
        }

        console.Write(table);
        console.Say($"{FraudCheck.Name} logs one plain sentence per attempt. AddFilter<LogScopeFilter>() wraps every handler class in a");
        console.Say("filter that opens a logging scope with the message id, correlation id and subscription: its lines now join the");
        console.Say("dead letter, the spans and the bus's own lines on one id, and no handler had to pass the ids along.");
    }

    private static void WriteHookUp(IAnsiConsole console)
    {
        const string Code =
            """
            // With OpenTelemetry (packages OpenTelemetry.Extensions.Hosting and an exporter):
            builder.Services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddSource(EventBusDiagnostics.ActivitySourceName).AddOtlpExporter())
                .WithMetrics(metrics => metrics.AddMeter(EventBusDiagnostics.MeterName).AddOtlpExporter());

            // Without it, listen as this scene does: an ActivityListener whose ShouldListenTo picks the
            // source named EventBusDiagnostics.ActivitySourceName, and a MeterListener that enables the
            // instruments of the meter named EventBusDiagnostics.MeterName. Nobody listening costs nothing.
            """;
        console.WriteLine();
        console.Write(new Panel(new Text(Code)).Header($"Hooking it up: both are named \"{EventBusDiagnostics.ActivitySourceName}\"").Border(BoxBorder.Rounded).Expand());
    }

    private static string Short(ActivitySpanId id) => id.ToHexString()[..8];

    private static string Milliseconds(double seconds) =>
        $"{(seconds * 1000).ToString(seconds < 0.001 ? "F3" : "F1", CultureInfo.InvariantCulture)} ms";

    private static string Show(long? value) => value is { } v ? Ui.Count(v) : "-";

    private static string Describe(EventContext? context, Type type, object? message = null)
    {
        var number = message is CheckoutCompleted c ? $" #{c.Number}" : "";
        return context is null ? $"{type.Name}{number}" : $"{type.Name}{number} {Ui.ShortId(context.Id)}";
    }
}
