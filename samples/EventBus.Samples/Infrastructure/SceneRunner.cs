using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace EventBus.Samples.Infrastructure;

/// <summary>Reads the command line and runs one scene, all of them, or prints the list.</summary>
internal sealed class SceneRunner
{
    private readonly IAnsiConsole _console;
    private readonly IReadOnlyList<IScene> _scenes;
    private readonly ScenePace _pace;

    public SceneRunner(IAnsiConsole console, IReadOnlyList<IScene> scenes, ScenePace pace)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentNullException.ThrowIfNull(pace);
        _console = console;
        _scenes = scenes;
        _pace = pace;
    }

    /// <summary>The results of the scenes run by the last <see cref="RunAsync"/>, in order.</summary>
    public IReadOnlyList<SceneResult> Results { get; private set; } = [];

    /// <summary>Runs what the arguments ask for and returns the process exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return await RunAllAsync(cancellationToken);
        }

        if (args.Count == 1 && IsListRequest(args[0]))
        {
            PrintList();
            return 0;
        }

        if (args.Count == 1 && IndexOf(args[0]) is var index and >= 0)
        {
            var (result, _) = await RunOneAsync(index, cancellationToken);
            Results = result is null ? [] : [result];
            return result is null ? 1 : 0;
        }

        _console.MarkupLine($"[red]Unknown scene or option:[/] {Markup.Escape(string.Join(' ', args))}");
        _console.WriteLine();
        PrintList();
        return 2;
    }

    /// <summary>Prints how to run the demo and one line per scene.</summary>
    public void PrintList()
    {
        _console.MarkupLine("[bold]EventBus samples[/]: a short course on event-driven systems, run on a real in-process bus.");
        _console.WriteLine();
        _console.MarkupLine("  dotnet run --project samples/EventBus.Samples              [grey]run every scene in order[/]");
        _console.MarkupLine("  dotnet run --project samples/EventBus.Samples -- <scene>   [grey]run one scene[/]");
        _console.MarkupLine("  dotnet run --project samples/EventBus.Samples -- list      [grey]this list (also --help)[/]");
        _console.WriteLine();
        var table = Ui.Table("#", "scene", "what it teaches");
        for (var i = 0; i < _scenes.Count; i++)
        {
            table.AddPlainRow(Number(i + 1), _scenes[i].Name, _scenes[i].Summary);
        }

        _console.Write(table);
    }

    private static bool IsListRequest(string arg) => arg is "list" or "--help" or "-h" or "-?" or "help" or "--list";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private int IndexOf(string name)
    {
        for (var i = 0; i < _scenes.Count; i++)
        {
            if (string.Equals(_scenes[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private async Task<int> RunAllAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        _console.Write(new Rule("[bold]EventBus samples: event-driven systems, one scene at a time[/]").LeftJustified());
        _console.WriteLine("Each scene states one idea in two lines, runs it on a real EventBus inside its own Generic Host,");
        _console.WriteLine("and shows what happened: who received which event, what failed, what was retried or dropped.");
        _console.MarkupLine("[grey]Run a single scene with[/] -- <scene>[grey]; list them with[/] -- list[grey].[/]");

        var results = new List<SceneResult>();
        var summary = Ui.Table("#", "scene", "outcome", "time");
        var failed = 0;
        for (var i = 0; i < _scenes.Count; i++)
        {
            var (result, elapsed) = await RunOneAsync(i, cancellationToken);
            var time = $"{elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";
            if (result is null)
            {
                failed++;
                summary.AddRow(Ui.Plain(Number(i + 1)), Ui.Plain(_scenes[i].Name), Ui.Bad("failed (see above)"), Ui.Plain(time));
            }
            else
            {
                results.Add(result);
                summary.AddPlainRow(Number(i + 1), _scenes[i].Name, result.Outcome, time);
            }
        }

        Results = results;
        _console.WriteLine();
        _console.Write(new Rule("[bold]Summary[/]").LeftJustified());
        _console.Write(summary);
        PrintEpilogue();
        _console.MarkupLine($"[grey]All scenes ran in {total.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s.[/]");
        return failed == 0 ? 0 : 1;
    }

    private async Task<(SceneResult? Result, TimeSpan Elapsed)> RunOneAsync(int index, CancellationToken cancellationToken)
    {
        var scene = _scenes[index];
        _console.WriteLine();
        _console.Write(new Rule($"[bold]{index + 1}/{_scenes.Count}  {Markup.Escape(scene.Name)}[/]: {Markup.Escape(scene.Title)}").LeftJustified());
        var concept = new Rows(scene.Concept.Select(static line => new Markup($"[italic]{Markup.Escape(line)}[/]")));
        _console.Write(new Padder(concept, new Padding(2, 0, 0, 0)));

        _console.WriteLine();
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await scene.RunAsync(new SceneContext(_console, _pace), cancellationToken);
            _console.MarkupLine($"[grey]{Markup.Escape(scene.Name)} finished in {clock.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms: {Markup.Escape(result.Outcome)}[/]");
            return (result, clock.Elapsed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One broken scene must not hide the others: report it and go on.
            _console.MarkupLine($"[red]{Markup.Escape(scene.Name)} failed:[/]");
            _console.WriteException(ex, ExceptionFormats.ShortenEverything);
            return (null, clock.Elapsed);
        }
    }

    private void PrintEpilogue()
    {
        var body = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        body.AddRow(new Markup("[bold]No network[/]"), new Text(
            "Producers and consumers share one process: a service on another machine cannot subscribe."));
        body.AddRow(new Markup("[bold]No persistence[/]"), new Text(
            "Buffered events, retries still waiting and dead letters live in memory, and a crash loses them. Work that must " +
            "survive goes to a durable work queue, kept in a SQLite file (EventBus.Sqlite, the durability scene), written in " +
            "the same transaction as your own changes when you need an outbox. Pub/sub events stay in memory."));
        body.AddRow(new Markup("[bold]No cross-process delivery[/]"), new Text(
            "More consumers means more handlers in this process, not more machines; ordering and one-worker-per-message " +
            "hand-out stop at the process boundary."));
        body.AddEmptyRow();
        body.AddRow(new Markup("[bold]Where to get them[/]"), new Text(
            "A broker: RabbitMQ, Kafka, a cloud service bus. The EventBus.RabbitMQ package forwards chosen events to a " +
            "RabbitMQ broker and hands what it receives to the same local handlers, so the code above keeps working " +
            "(see docs/rabbitmq.md)."));
        _console.WriteLine();
        _console.Write(new Panel(body).Header("What an in-process bus does not give you").Border(BoxBorder.Rounded).Expand());
    }
}
