namespace EventBus.Samples.Infrastructure;

/// <summary>
/// One lesson of the demo: it states its concept, runs it on a real bus inside its own host, and
/// shows what happened. Scenes share nothing, so each one can run (and be tested) on its own.
/// </summary>
internal interface IScene
{
    /// <summary>The name given on the command line: <c>dotnet run -- user-registered</c>.</summary>
    string Name { get; }

    /// <summary>A short heading.</summary>
    string Title { get; }

    /// <summary>One line for <c>list</c>.</summary>
    string Summary { get; }

    /// <summary>The concept, in two lines, printed before the scene runs.</summary>
    IReadOnlyList<string> Concept { get; }

    /// <summary>Runs the scene, writing to <see cref="SceneContext.Console"/>.</summary>
    Task<SceneResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default);
}
