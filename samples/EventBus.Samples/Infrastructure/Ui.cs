using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Infrastructure;

/// <summary>The few rendering habits every scene shares, so the demo reads the same throughout.</summary>
internal static class Ui
{
    /// <summary>A table with bold headers; the first column, which names the row, never wraps.</summary>
    public static Table Table(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var table = new Table().Border(TableBorder.Rounded);
        for (var i = 0; i < headers.Length; i++)
        {
            var column = new TableColumn(new Markup($"[bold]{Markup.Escape(headers[i])}[/]"));
            if (i == 0)
            {
                column.NoWrap();
            }

            table.AddColumn(column);
        }

        return table;
    }

    /// <summary>Adds a row of plain text: nothing in it is read as markup, so exception messages
    /// and payloads with brackets print as they are.</summary>
    public static Table AddPlainRow(this Table table, params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(cells);
        var renderables = new IRenderable[cells.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            renderables[i] = new Text(cells[i]);
        }

        return table.AddRow(renderables);
    }

    public static IRenderable Good(string text) => new Markup($"[green]{Markup.Escape(text)}[/]");

    public static IRenderable Bad(string text) => new Markup($"[red]{Markup.Escape(text)}[/]");

    public static IRenderable Warn(string text) => new Markup($"[yellow]{Markup.Escape(text)}[/]");

    public static IRenderable Plain(string text) => new Text(text);

    /// <summary>A narration line: what the scene is about to do or just did.</summary>
    public static void Say(this IAnsiConsole console, string text)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.MarkupLine($"[grey]>[/] {Markup.Escape(text)}");
    }

    /// <summary>A heading inside a scene.</summary>
    public static void Heading(this IAnsiConsole console, string text)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.WriteLine();
        console.MarkupLine($"[bold underline]{Markup.Escape(text)}[/]");
    }

    /// <summary>A question the curriculum asks, answered by what the scene just showed.</summary>
    public static void KnowledgeCheck(this IAnsiConsole console, string question, string answer)
    {
        ArgumentNullException.ThrowIfNull(console);
        var body = new Markup($"[bold]Q.[/] {Markup.Escape(question)}\n[bold]A.[/] {Markup.Escape(answer)}");
        console.WriteLine();
        console.Write(new Panel(body).Header("Knowledge check").Border(BoxBorder.Rounded).Expand());
    }

    /// <summary>A short aside: a design choice or a caveat worth knowing.</summary>
    public static void Note(this IAnsiConsole console, string text)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.MarkupLine($"[grey]note:[/] {Markup.Escape(text)}");
    }

    /// <summary>An event id in short form: the last 8 hex digits. The ids are version-7 GUIDs, whose
    /// leading digits encode the time and repeat within a millisecond; the tail is the random part.</summary>
    public static string ShortId(Guid id) => id.ToString("N", CultureInfo.InvariantCulture)[^8..];

    /// <summary>A timestamp as hours to milliseconds, UTC.</summary>
    public static string Time(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Money(decimal amount, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{amount:0.00} {currency}");
}
