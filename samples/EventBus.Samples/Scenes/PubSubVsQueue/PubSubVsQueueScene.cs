using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>
/// The two messaging patterns side by side: the same six tickets go through a pub/sub topic with
/// three subscribers and through a work queue with three workers, and a table shows who got what.
/// </summary>
internal sealed class PubSubVsQueueScene : Scene<PubSubVsQueueResult>
{
    public const string Topic = "support-tickets";
    public const string QueueName = "support-queue";
    public const int Workers = 3;

    private static readonly string[] s_subscribers = [AuditLog.Name, SupportDashboard.Name, SlaMonitor.Name];

    public override string Name => "pubsub-vs-queue";

    public override string Title => "pub/sub vs a work queue: the same six messages, two ways";

    public override string Summary => "the same 6 messages: to 3 subscribers (all get all) and 3 workers (one each)";

    public override IReadOnlyList<string> Concept =>
    [
        "Pub/sub is one-to-many: every subscriber gets its own copy of every message. Use it to announce a fact.",
        "A work queue is one-to-one: each message goes to one of several competing workers. Use it to share out work.",
    ];

    public override async Task<PubSubVsQueueResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        SupportTicket[] tickets =
        [
            new(1, "cannot log in"),
            new(2, "invoice shows the wrong VAT"),
            new(3, "parcel arrived damaged"),
            new(4, "change my delivery address"),
            new(5, "refund not received"),
            new(6, "app crashes on start"),
        ];

        var board = new TicketBoard();
        var desk = new HelpDesk(Workers, tickets.Length);
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(board);
            services.AddSingleton(desk);
            services.AddSingleton(context.Pace);
            services.AddEventBus()
                // Pub/sub: three subscriptions to one topic.
                .AddHandler<SupportTicket, AuditLog>(static o => Subscribe(o, AuditLog.Name))
                .AddHandler<SupportTicket, SupportDashboard>(static o => Subscribe(o, SupportDashboard.Name))
                .AddHandler<SupportTicket, SlaMonitor>(static o => Subscribe(o, SlaMonitor.Name))
                // A work queue: one handler class, run by three competing workers.
                .AddWorkQueue<SupportTicket, SupportAgent>(QueueName, static o => o.WorkerCount = Workers);
        }, cancellationToken);

        console.Say($"Six support tickets are published on the topic '{Topic}'. Its subscribers: {string.Join(", ", s_subscribers)}.");
        console.Say($"Then the same six are enqueued on the work queue '{QueueName}', whose {Workers} workers (the agents) share them.");
        foreach (var ticket in tickets)
        {
            await host.Bus.PublishAsync(ticket, PublishOptions.ForTopic(Topic), cancellationToken);
        }

        var queue = host.Services.GetRequiredKeyedService<IWorkQueue<SupportTicket>>(QueueName);
        foreach (var ticket in tickets)
        {
            await queue.EnqueueAsync(ticket, cancellationToken);
        }

        // Stopping the host drains the bus, then the queue: every ticket is handled before we look.
        var report = await host.StopAsync(cancellationToken);
        var statistics = host.Services.GetRequiredKeyedService<WorkQueue<SupportTicket>>(QueueName).GetStatistics();
        var result = new PubSubVsQueueResult(tickets, s_subscribers, desk.Agents, board.Pickups, report, statistics);

        console.Heading("Who got what");
        var table = Ui.Table(["pattern", "consumer", .. tickets.Select(static t => t.Label), "tickets"]);
        AddGroup(table, "pub/sub", s_subscribers, tickets, result);
        table.AddEmptyRow();
        AddGroup(table, "work queue", desk.Agents, tickets, result);
        console.Write(table);

        console.Say($"Pub/sub: each subscriber handled all {tickets.Length} tickets, so each ticket was handled {s_subscribers.Length} times.");
        console.Say($"Work queue: each ticket was handled once, by one agent; the {Workers} agents shared the work ({statistics.Processed} processed).");
        console.Note("the agents start in rounds (each waits until all three are busy), so the split is the same on every run.");
        console.Note("a queue promises one worker per message, not equal shares: without rounds, a quick agent may take more.");

        console.KnowledgeCheck(
            "Payments must be charged exactly once, and several worker instances run for scale. Pub/sub with several subscribers, " +
            "or a queue with competing consumers?",
            $"A queue with competing consumers. Pub/sub gives every subscriber its own copy: above, {s_subscribers.Length} subscribers " +
            $"handled each ticket {s_subscribers.Length} times, and {s_subscribers.Length} payment subscribers would charge each card " +
            $"{s_subscribers.Length} times. The queue gave each ticket to one agent, and the agents shared the load. (A retry can " +
            "still repeat a charge; the payment-queue scene shows how to make that harmless.)");

        return result;
    }

    private static void AddGroup(Table table, string pattern, IReadOnlyList<string> consumers, SupportTicket[] tickets, PubSubVsQueueResult result)
    {
        for (var i = 0; i < consumers.Count; i++)
        {
            var handled = result.TicketsOf(consumers[i]);
            List<IRenderable> cells = [Ui.Plain(i == 0 ? pattern : ""), Ui.Plain(consumers[i])];
            cells.AddRange(tickets.Select(t => handled.Contains(t.Number) ? Ui.Good("✓") : Ui.Plain("-")));
            cells.Add(Ui.Plain(Ui.Count(handled.Count)));
            table.AddRow(cells);
        }

        List<IRenderable> copies = [Ui.Plain(""), Ui.Plain("copies handled")];
        copies.AddRange(tickets.Select(t => Ui.Plain(Ui.Count(result.Pickups.Count(p => p.Ticket == t.Number && consumers.Contains(p.Consumer))))));
        copies.Add(Ui.Plain(Ui.Count(result.Pickups.Count(p => consumers.Contains(p.Consumer)))));
        table.AddRow(copies);
    }

    private static void Subscribe(SubscriptionOptions options, string name)
    {
        options.Name = name;
        options.Topic = Topic;
    }
}
