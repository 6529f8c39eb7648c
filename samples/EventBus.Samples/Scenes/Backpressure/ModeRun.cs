using System.Collections.Concurrent;

namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>One full-mode's run: the gate that makes the consumer slow, and what it handled and lost.</summary>
internal sealed class ModeRun : IDisposable
{
    private readonly ConcurrentQueue<int> _handled = new();
    private readonly ConcurrentQueue<DroppedEvent> _dropped = new();

    public ModeRun(BufferFullMode mode) => Mode = mode;

    public BufferFullMode Mode { get; }

    /// <summary>The consumer takes one permit per event: it can go only as fast as permits are given.</summary>
    public SemaphoreSlim Gate { get; } = new(0);

    /// <summary>Called after each handled event (the progress display listens).</summary>
    public Action? Handled { get; set; }

    public IReadOnlyList<int> HandledSequences => [.. _handled];

    public IReadOnlyList<DroppedEvent> Drops => [.. _dropped];

    public void RecordHandled(int sequence)
    {
        _handled.Enqueue(sequence);
        Handled?.Invoke();
    }

    public void RecordDropped(DroppedEvent dropped) => _dropped.Enqueue(dropped);

    public void Dispose() => Gate.Dispose();
}
