using EventBus.Samples.Infrastructure;
using EventBus.Tests.TestUtilities;
using Spectre.Console.Testing;

namespace EventBus.Samples.Tests;

/// <summary>Runs a scene in-process on a captured console, at test pace (no simulated slowness).</summary>
internal static class SceneHarness
{
    public static async Task<(TResult Result, string Output)> RunAsync<TResult>(Scene<TResult> scene)
        where TResult : SceneResult
    {
        using var console = new TestConsole().Width(120);
        var result = await Wait.For(scene.RunAsync(new SceneContext(console, ScenePace.Instant)), $"the {scene.Name} scene");
        return (result, console.Output);
    }
}
