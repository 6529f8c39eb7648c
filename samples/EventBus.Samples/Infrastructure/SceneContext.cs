using Spectre.Console;

namespace EventBus.Samples.Infrastructure;

/// <summary>What a scene is given to run: where to write, and how fast to go.</summary>
internal sealed class SceneContext
{
    public SceneContext(IAnsiConsole console, ScenePace pace)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(pace);
        Console = console;
        Pace = pace;
    }

    public IAnsiConsole Console { get; }

    public ScenePace Pace { get; }
}
