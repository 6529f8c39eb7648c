using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.Backpressure;

internal sealed record BackpressureResult(int Capacity, IReadOnlyList<ModeOutcome> Modes) : SceneResult
{
    public ModeOutcome this[BufferFullMode mode] => Modes.Single(m => m.Mode == mode);

    public override string Outcome =>
        string.Join("; ", Modes.Select(static m => m.Mode == BufferFullMode.Wait
            ? $"Wait: held back {m.HeldBack}x, 0 lost"
            : m.Mode == BufferFullMode.Fail ? $"Fail: {m.PublishExceptions} refused" : $"{m.Mode}: {m.Drops.Count} dropped"));
}
