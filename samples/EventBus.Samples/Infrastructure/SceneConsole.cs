using Spectre.Console;

namespace EventBus.Samples.Infrastructure;

/// <summary>Creates the console the demo writes to.</summary>
internal static class SceneConsole
{
    /// <summary>The width used when the output is not a terminal (a file or a pipe has no width of its own).</summary>
    public const int PlainWidth = 110;

    /// <summary>
    /// Creates a console on <paramref name="writer"/>. When <paramref name="plain"/> is set (output
    /// redirected to a file or a pipe) it writes no escape codes at all: no colours, no cursor
    /// movement, and live displays print their final state once instead of redrawing.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer, bool plain)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
        });

        if (plain)
        {
            console.Profile.Width = PlainWidth;
        }

        return console;
    }
}
