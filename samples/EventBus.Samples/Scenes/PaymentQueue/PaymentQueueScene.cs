using System.Collections.Concurrent;
using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>
/// Competing consumers and delivery guarantees: payments charged by three workers, transient
/// failures retried with backoff, a poison payment dead-lettered, fixed and re-driven, and an
/// idempotency key that turns at-least-once delivery into one charge per payment.
/// </summary>
internal sealed class PaymentQueueScene : Scene<PaymentQueueResult>
{
    public const int Workers = 3;
    public const int MaxRetries = 3;
    public const string Timeout = "P-102";
    public const string Flaky = "P-104";
    public const string Poison = "P-105";
    public const string LostReply = "P-107";

    public override string Name => "payment-queue";

    public override string Title => "a payment work queue: competing workers, retries, a dead letter, one charge each";

    public override string Summary => "competing workers, retries with backoff, dead-letter and re-drive, idempotency";

    public override IReadOnlyList<string> Concept =>
    [
        "A work queue gives each payment to one of its workers and retries failures: delivery is at least once.",
        "At least once can mean twice. An idempotency key (the payment id) makes a repeat harmless: one charge each.",
    ];

    public static IReadOnlyList<ChargePayment> Payments { get; } =
    [
        new("P-101", "Ada", 25.00m, "EUR"),
        new(Timeout, "Bob", 42.50m, "EUR"),
        new("P-103", "Cy", 9.99m, "EUR"),
        new(Flaky, "Dee", 120.00m, "EUR"),
        new(Poison, "Eve", 75.00m, "CHF"),
        new("P-106", "Fay", 18.20m, "EUR"),
        new(LostReply, "Gus", 60.00m, "EUR"),
        new("P-108", "Hal", 33.30m, "EUR"),
    ];

    public override async Task<PaymentQueueResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;

        // Exponential backoff on the queue's clock: 100, 200, 400 ms at human pace; no wait in tests.
        var retry = new RetryPolicy { MaxRetries = MaxRetries, BaseDelay = context.Pace.Tick * 4, Backoff = BackoffKind.Exponential, Jitter = 0 };
        var gateway = NewGateway(context.Pace);
        var settlement = new Settlement(Payments.Count);
        var deadLetters = new DeadLetterQueue();
        deadLetters.Added += _ => settlement.DeadLettered();
        var errors = new ConcurrentQueue<DeliveryError>();

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(gateway);
            services.AddSingleton(settlement);
            services.AddEventBus(o =>
                {
                    o.DeadLetterSink = deadLetters;
                    o.OnError = errors.Enqueue;
                })
                .AddWorkQueue<ChargePayment, PaymentWorker>(o =>
                {
                    o.WorkerCount = Workers;
                    o.Guarantee = DeliveryGuarantee.AtLeastOnce;
                    o.RetryPolicy = retry;
                });
        }, cancellationToken);

        console.Say($"The shop enqueues {Payments.Count} payments. {Workers} workers compete for them; each payment goes to one worker.");
        console.Say($"A failed attempt is retried up to {MaxRetries} times, {Delays(retry)} later, off the worker: it moves on meanwhile.");
        console.Say($"Scripted faults: {Timeout} times out once, {Flaky} gets two errors, {Poison} is in CHF (not enabled on the account),");
        console.Say($"and {LostReply}'s charge goes through but the reply is lost. The worker sends the payment id as idempotency key.");

        var queue = host.Services.GetRequiredService<IWorkQueue<ChargePayment>>();
        gateway.StartClock();
        foreach (var payment in Payments)
        {
            await queue.EnqueueAsync(payment, cancellationToken);
        }

        await settlement.AllSettled.WaitAsync(cancellationToken);
        var errorList = errors.ToList();
        console.Heading("Every request to the gateway, in time order");
        console.Write(Timeline(gateway.Requests, afterFix: false, errorList, retry));
        console.Say($"At most {gateway.PeakInFlight} payments were at the gateway at once: one per worker. Retries waited on a timer, not on a worker.");

        var letters = deadLetters.ToList();
        console.Heading("The dead-letter queue after the first pass");
        var dead = Ui.Table("payment", "attempts", "first failure to dead letter", "last exception");
        foreach (var letter in letters)
        {
            dead.AddPlainRow(
                ((ChargePayment)letter.Message).PaymentId,
                Ui.Count(letter.Attempts),
                $"{Milliseconds(letter.DeadLetteredAt - letter.FirstFailedAt)}",
                $"{letter.Exception.GetType().Name}: {letter.Exception.Message}");
        }

        console.Write(dead);
        console.Note("to skip the retries of an error known to be permanent, set RetryPolicy.ShouldRetry.");
        console.Say("An operator reads the dead letter, enables CHF on the merchant account, and re-drives it:");
        console.Say("WorkQueue<T>.RedriveDeadLettersAsync() puts the dead letters back in line with a fresh retry budget.");
        gateway.EnableCurrency("CHF");
        var workQueue = host.Services.GetRequiredService<WorkQueue<ChargePayment>>();
        var redriven = await workQueue.RedriveDeadLettersAsync(cancellationToken);

        // Stopping the host drains the queue: the re-driven payment is charged before this returns.
        await host.StopAsync(cancellationToken);
        var statistics = workQueue.GetStatistics();
        var requests = gateway.Requests;
        errorList = [.. errors];
        console.Heading("After the fix");
        console.Write(Timeline(requests, afterFix: true, errorList, retry));

        console.Heading("Was every payment charged exactly once?");
        var summary = Ui.Table("payment", "customer", "amount", "gateway requests", "charges", "what happened");
        foreach (var payment in Payments)
        {
            var mine = requests.Where(r => r.PaymentId == payment.PaymentId).ToList();
            var charges = gateway.Charges.Count(c => c.PaymentId == payment.PaymentId);
            summary.AddRow(
                Ui.Plain(payment.PaymentId),
                Ui.Plain(payment.Customer),
                Ui.Plain(Ui.Money(payment.Amount, payment.Currency)),
                Ui.Plain(Ui.Count(mine.Count)),
                charges == 1 ? Ui.Good("1") : Ui.Bad(Ui.Count(charges)),
                Ui.Plain(Story(payment, mine, letters)));
        }

        console.Write(summary);
        var result = new PaymentQueueResult(Payments, requests, gateway.Charges, letters, redriven, errorList, statistics, Workers, gateway.PeakInFlight, 0, 0);
        console.Say($"{Payments.Count} payments, {gateway.Charges.Count} charges: " +
            (result.ChargedExactlyOnce ? "every payment charged exactly once, none missing, none twice." : "NOT exactly once."));
        console.Say($"Queue statistics: {statistics.Processed} processed, {statistics.FailedAttempts} failed attempts, " +
            $"{statistics.Retried} retries, {statistics.DeadLettered} dead-lettered.");

        var (naiveRequests, naiveCharges) = await WithoutStableKeyAsync(console, context.Pace, retry, cancellationToken);

        console.KnowledgeCheck(
            "The queue delivers at least once. Why is that not enough for payments, and what gives one charge per payment?",
            $"At least once means a payment can be handled twice: {LostReply}'s charge went through, the reply was lost, and the queue " +
            "rightly retried. Exactly-once delivery is not something a queue can promise. What you can have is an exactly-once " +
            "effect: at-least-once delivery plus an idempotent handler, here the payment id as the gateway's idempotency key. " +
            $"At most once (DeliveryGuarantee.AtMostOnce, no retries) would not charge twice, but {Timeout} and {Flaky} would never be charged.");

        return result with { NaiveRequests = naiveRequests, NaiveCharges = naiveCharges };
    }

    /// <summary>
    /// The same lost reply, with a worker that makes up a new request id for every attempt (a common
    /// slip): the gateway cannot tell the retry from a new payment, and charges twice.
    /// </summary>
    private static async Task<(int Requests, int Charges)> WithoutStableKeyAsync(
        IAnsiConsole console, ScenePace pace, RetryPolicy retry, CancellationToken cancellationToken)
    {
        console.Heading($"Why the key must be the payment id: {LostReply} again, with a new request id per attempt");
        var gateway = NewGateway(pace);
        var payment = Payments.Single(static p => p.PaymentId == LostReply);

        // A queue without DI: WorkQueue.Create with a delegate, drained with CompleteAsync.
        await using (var queue = WorkQueue.Create<ChargePayment>(
            async (item, ct) => await gateway.ChargeAsync(item, idempotencyKey: Guid.NewGuid().ToString("N")[..8], ct),
            new WorkQueueOptions<ChargePayment> { Name = "payments-without-key", WorkerCount = 1, RetryPolicy = retry }))
        {
            await queue.EnqueueAsync(payment, cancellationToken);
            await queue.CompleteAsync(cancellationToken);
        }

        var charges = gateway.Charges.Count;
        var table = Ui.Table("idempotency key sent", "gateway requests", "charges", "Gus paid");
        table.AddRow(Ui.Plain("the payment id, the same on every attempt (above)"), Ui.Plain("2"), Ui.Good("1"), Ui.Good(Ui.Money(payment.Amount, payment.Currency)));
        table.AddRow(
            Ui.Plain("a new request id per attempt"),
            Ui.Plain(Ui.Count(gateway.Requests.Count)),
            charges == 1 ? Ui.Good("1") : Ui.Bad(Ui.Count(charges)),
            charges == 1 ? Ui.Good(Ui.Money(payment.Amount, payment.Currency)) : Ui.Bad(Ui.Money(payment.Amount * charges, payment.Currency)));
        console.Write(table);
        return (gateway.Requests.Count, charges);
    }

    private static PaymentGateway NewGateway(ScenePace pace) => new(
        pace,
        TimeProvider.System,
        new Dictionary<string, int> { [Timeout] = 1, [Flaky] = 2 },
        [LostReply]);

    /// <summary>The gateway's requests before or after the fix, numbered per payment across both.</summary>
    private static Table Timeline(IReadOnlyList<GatewayRequest> requests, bool afterFix, IReadOnlyList<DeliveryError> errors, RetryPolicy retry)
    {
        var table = Ui.Table("at", "payment", "try", "the gateway", "the queue then");
        var tries = new Dictionary<string, int>();
        foreach (var request in requests)
        {
            tries[request.PaymentId] = tries.GetValueOrDefault(request.PaymentId) + 1;
            if (request.AfterFix != afterFix)
            {
                continue;
            }

            table.AddRow(
                Ui.Plain(Milliseconds(request.At)),
                Ui.Plain(request.PaymentId),
                Ui.Plain(Ui.Count(tries[request.PaymentId])),
                request.Answer switch
                {
                    GatewayAnswer.Charged => Ui.Good(request.Detail),
                    GatewayAnswer.Duplicate => Ui.Good(request.Detail),
                    GatewayAnswer.ChargedReplyLost => Ui.Warn(request.Detail),
                    _ => Ui.Bad(request.Detail),
                },
                NextStep(request, errors, retry));
        }

        return table;
    }

    private static IRenderable NextStep(GatewayRequest request, IReadOnlyList<DeliveryError> errors, RetryPolicy retry)
    {
        if (request.Error is null)
        {
            return Ui.Plain("done");
        }

        // The exception the gateway threw is the one the queue reports: match them by identity.
        var error = errors.FirstOrDefault(e => ReferenceEquals(e.Exception, request.Error));
        return error switch
        {
            null => Ui.Plain("-"),
            { WillRetry: true } => Ui.Warn($"retry in {Milliseconds(retry.GetDelay(error.Attempt))}"),
            _ => Ui.Bad("dead-letter it"),
        };
    }

    private static string Story(ChargePayment payment, IReadOnlyList<GatewayRequest> requests, IReadOnlyList<DeadLetter> letters)
    {
        if (letters.Any(l => ((ChargePayment)l.Message).PaymentId == payment.PaymentId))
        {
            var before = requests.Count(static r => !r.AfterFix);
            return $"dead-lettered after {before} attempts; re-driven after the fix and charged";
        }

        if (requests.Any(static r => r.Answer == GatewayAnswer.ChargedReplyLost))
        {
            return "charged, reply lost, retried: the gateway knew the key and charged nothing more";
        }

        var failures = requests.Where(static r => r.Answer == GatewayAnswer.Failed).ToList();
        return failures.Count == 0
            ? "charged on the first attempt"
            : $"charged after {failures.Count} {(failures.Count == 1 ? "retry" : "retries")} ({string.Join(", ", failures.Select(static f => f.Error!.GetType().Name))})";
    }

    private static string Delays(RetryPolicy retry) =>
        string.Join(", ", Enumerable.Range(1, retry.MaxRetries).Select(i => Milliseconds(retry.GetDelay(i)))).Replace(" ms, ", ", ", StringComparison.Ordinal);

    private static string Milliseconds(TimeSpan time) =>
        $"{time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";
}
