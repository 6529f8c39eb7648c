using EventBus.Sqlite;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>EventBus's <see cref="SqliteWorkQueue{T}"/>: one worker, the default buffer (1024), batches of up to
/// <c>--batch</c> operations per commit; the handler only checks and counts.</summary>
public sealed class EventBusDurableRow : DurableRow
{
    private readonly SqliteWorkQueue<DurableItem> _queue;

    public EventBusDurableRow(string synchronous, string path, int maxBatchSize)
        : base("EventBus_SqliteWorkQueue", isBaseline: false, synchronous, path)
    {
        var persistence = new SqliteQueueOptions<DurableItem>(DurableJson.Default.DurableItem)
        {
            Storage =
            {
                Path = path,
                Synchronous = synchronous == "FULL" ? SqliteSynchronousMode.Full : SqliteSynchronousMode.Normal,
                MaxBatchSize = maxBatchSize,
            },
        };
        _queue = SqliteWorkQueue.Create<DurableItem>(Handle, persistence, new WorkQueueOptions<DurableItem> { Name = "bench" });
    }

    public override void Dispose() => _queue.DisposeAsync().AsTask().GetAwaiter().GetResult();

    protected override ValueTask EnqueueAsync(DurableItem item) => _queue.EnqueueAsync(item);
}
