namespace EventBus.Samples.Infrastructure;

/// <summary>A scene whose outcome is a typed result, so tests can check what happened, not only
/// that nothing threw.</summary>
/// <typeparam name="TResult">What the scene reports.</typeparam>
internal abstract class Scene<TResult> : IScene
    where TResult : SceneResult
{
    public abstract string Name { get; }

    public abstract string Title { get; }

    public abstract string Summary { get; }

    public abstract IReadOnlyList<string> Concept { get; }

    public abstract Task<TResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default);

    async Task<SceneResult> IScene.RunAsync(SceneContext context, CancellationToken cancellationToken) =>
        await RunAsync(context, cancellationToken);
}
