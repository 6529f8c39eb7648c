using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>A database table written in bulk: one round trip per batch, however many rows it holds.</summary>
internal sealed class PageViewStore(ScenePace pace, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly List<WrittenBatch> _batches = [];
    private int _rows;
    private TaskCompletionSource<bool> _target = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _targetRows;

    public IReadOnlyList<WrittenBatch> Batches
    {
        get
        {
            lock (_lock)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>Set when the scene starts the drain: a batch written after it may have been flushed by the drain, not by size or linger.</summary>
    public bool Draining { get; set; }

    /// <summary>Completes when <paramref name="rows"/> rows in all have been written.</summary>
    public Task RowsWrittenAsync(int rows, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _targetRows = rows;
            _target = new(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_rows >= rows)
            {
                _target.SetResult(true);
            }

            return _target.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask WriteAsync(IReadOnlyList<PageView> batch, CancellationToken cancellationToken)
    {
        // The list is the queue's pooled buffer: read it now, do not keep it.
        var items = batch.Select(static v => v.Number).ToList();
        var waited = time.GetElapsedTime(batch[0].EnqueuedAt);
        await pace.TickAsync(cancellationToken); // one INSERT of many rows
        lock (_lock)
        {
            _batches.Add(new WrittenBatch(_batches.Count + 1, items, waited, Draining));
            _rows += items.Count;
            if (_rows >= _targetRows)
            {
                _target.TrySetResult(true);
            }
        }
    }
}
