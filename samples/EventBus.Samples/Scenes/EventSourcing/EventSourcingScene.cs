using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// Event sourcing with a CQRS read model: the log of events is the truth, the write side decides
/// and appends, a projection on the bus keeps a read model, and replaying the log rebuilds it,
/// old schema versions included.
/// </summary>
internal sealed class EventSourcingScene : Scene<EventSourcingResult>
{
    public override string Name => "event-sourcing-cqrs";

    public override string Title => "event sourcing + CQRS: an event log, a projected read model, a replay";

    public override string Summary => "an event-sourced account, a CQRS read model, replay and schema upcasting";

    public override IReadOnlyList<string> Concept =>
    [
        "Event sourcing stores what happened (opened, deposited, withdrew), not the balance: state comes from replay.",
        "CQRS splits the side that decides and appends from the side that answers queries, fed by events on the bus.",
    ];

    public override async Task<EventSourcingResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var store = new EventStore();
        var live = new AccountReadModel();

        // Last year's application wrote ACC-1's first events in schema v1. The log keeps them as written.
        store.Append("ACC-1", expectedVersion: 0,
        [
            (nameof(AccountOpened), 1, EventSerializer.SerializeLegacy(new AccountOpenedV1("ACC-1", "Ada Lovelace", "EUR"))),
            (nameof(MoneyDeposited), 1, EventSerializer.SerializeLegacy(new MoneyDepositedV1("ACC-1", "120.00 EUR"))),
        ]);

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(store).AddSingleton(live).AddSingleton<AccountService>();
            services.AddEventBus()
                .AddHandler<IAccountEvent, AccountProjection>(static o =>
                {
                    o.Name = AccountProjection.Name;
                    o.Topic = AccountFeed.Topic;
                });
        }, cancellationToken);

        // A second read side pulls the same events with await foreach; it subscribes here, before the first publish.
        var statement = AccountStatement.ReadAsync(AccountStatement.Subscribe(host.Bus, cancellationToken), "ACC-1");

        console.Say("The log already holds ACC-1's first two events, written last year in schema v1.");
        console.Say("The read model starts empty and catches up: each stored event is read (upcast if old) and published.");
        foreach (var stored in store.ReadAll())
        {
            await AccountFeed.PublishAsync(host.Bus, EventSerializer.Deserialize(stored).Event, stored, cancellationToken);
        }

        console.Say("Then the write side takes commands: replay the account, validate, append, publish what was appended.");
        var accounts = host.Services.GetRequiredService<AccountService>();
        AccountCommand[] commands =
        [
            new Deposit("ACC-1", 50m),
            new Withdraw("ACC-1", 500m),
            new OpenAccount("ACC-2", "Grace Hopper", "EUR"),
            new OpenAccount("ACC-2", "Grace Hopper", "EUR"),
            new Deposit("ACC-2", 80m),
            new Withdraw("ACC-1", 30m),
            new Deposit("ACC-2", -5m),
        ];
        var outcomes = new List<CommandOutcome>(commands.Length);
        foreach (var command in commands)
        {
            outcomes.Add(await accounts.ExecuteAsync(command, cancellationToken));
        }

        var report = await host.StopAsync(cancellationToken);
        var statementLines = await statement;

        console.Heading("The write side: commands in, events out (or a refusal)");
        var decisions = Ui.Table("command", "decision", "appended");
        foreach (var outcome in outcomes)
        {
            decisions.AddRow(
                Ui.Plain(outcome.Command.ToString()),
                outcome.Accepted ? Ui.Good("accepted") : Ui.Bad($"refused: {outcome.Rejection}"),
                Ui.Plain(outcome.Accepted ? string.Join(", ", outcome.Appended.Select(static e => $"#{e.Position} {e.Type}")) : "nothing"));
        }

        console.Write(decisions);

        var log = store.ReadAll();
        var upcasts = new Dictionary<long, string>();
        console.Heading("The log, exactly as stored (append-only: nothing above was ever changed)");
        var logTable = Ui.Table("#", "stream @ version", "event (schema)", "payload as stored", "read as");
        logTable.Columns[1].NoWrap();
        logTable.Columns[2].NoWrap();
        logTable.Columns[4].Width(26);
        foreach (var stored in log)
        {
            var (_, upcast) = EventSerializer.Deserialize(stored);
            if (upcast is not null)
            {
                upcasts[stored.Position] = upcast;
            }

            logTable.AddRow(
                Ui.Plain(stored.Position.ToString(CultureInfo.InvariantCulture)),
                Ui.Plain($"{stored.StreamId} @{stored.StreamVersion}"),
                upcast is null ? Ui.Plain($"{stored.Type} (v{stored.SchemaVersion})") : Ui.Warn($"{stored.Type} (v{stored.SchemaVersion})"),
                Ui.Plain(stored.Data),
                upcast is null ? Ui.Plain("as is") : Ui.Warn($"upcast: {upcast}"));
        }

        console.Write(logTable);

        var rebuilt = AccountReadModel.Rebuild(log);
        console.Heading("The read side: the live model (fed by the bus) next to one rebuilt from the log");
        console.Write(new Columns(ReadModelTable("live, via the bus", live.Rows), ReadModelTable("rebuilt by replaying the log", rebuilt.Rows)).Collapse());

        var match = live.Rows.SequenceEqual(rebuilt.Rows);
        console.MarkupLine(match
            ? "[green]The two read models are equal[/], row for row, old v1 events included."
            : "[red]The read models differ[/]: the projection missed or repeated an event.");
        console.Heading("A read side that pulls: ACC-1's statement, read with await foreach over a stream");
        var statementTable = Ui.Table("#", "entry", "amount", "balance");
        foreach (var line in statementLines)
        {
            statementTable.AddPlainRow(
                line.Position.ToString(CultureInfo.InvariantCulture), line.Entry, Ui.Money(line.Amount, "EUR"), Ui.Money(line.Balance, "EUR"));
        }

        console.Write(statementTable);
        console.Say("The projection is pushed (a handler the bus calls); the statement pulls, at its own pace, from the stream's bounded buffer.");
        console.Say("Its loop ended by itself: stopping the host completed the bus, which first handed the stream every event it had accepted.");
        console.Say($"Bus: {report.Drain}.");

        console.KnowledgeCheck(
            "The balance could be one column. Why keep every event instead?",
            "The log is the whole truth, and every view is derived from it: the read model above was thrown away and rebuilt by " +
            "replaying, and a new view (a monthly statement, a fraud score) can be built from history the same way. Old events are " +
            "never rewritten when the schema changes; they are upcast as they are read, so old and new replay into the same model.");

        return new EventSourcingResult(log, outcomes, live.Rows, rebuilt.Rows, upcasts, statementLines, report);
    }

    private static Table ReadModelTable(string title, IReadOnlyList<AccountSummary> rows)
    {
        var table = Ui.Table("account", "owner", "balance", "in/out", "ver").Title(title);
        foreach (var row in rows)
        {
            table.AddPlainRow(
                row.AccountId,
                row.Owner,
                Ui.Money(row.Balance, row.Currency),
                $"{row.Deposits}/{row.Withdrawals}",
                row.Version.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }
}
