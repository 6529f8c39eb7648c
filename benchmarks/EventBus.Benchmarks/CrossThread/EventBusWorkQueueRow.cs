using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// EventBus's row of the work queue: a <see cref="WorkQueue{T}"/> with K workers, bounded at the
/// same capacity with <see cref="BufferFullMode.Wait"/>, the producer calling
/// <see cref="IWorkQueue{T}.EnqueueAsync"/> and awaiting only when it did not complete at once.
/// </summary>
public sealed class EventBusWorkQueueRow : Row
{
    private readonly WorkQueue<ClassEvent> _queue;
    private readonly IWorkQueue<ClassEvent> _producer;
    private readonly ClassEvent _item;

    public EventBusWorkQueueRow(string scenario, string name, int workers, int capacity, ClassEvent item)
        : base(scenario, name, isBaseline: false, consumers: 1)
    {
        _item = item;
        _queue = WorkQueue.Create<ClassEvent>(Consumers[0].HandleCompeting, new WorkQueueOptions<ClassEvent>
        {
            Capacity = capacity,
            FullMode = BufferFullMode.Wait,
            WorkerCount = workers,
        });
        _producer = _queue;
    }

    protected override async Task ProduceAsync(int events)
    {
        var producer = _producer;
        var e = _item;
        for (var i = 0; i < events; i++)
        {
            var enqueue = producer.EnqueueAsync(e);
            if (!enqueue.IsCompletedSuccessfully)
            {
                await enqueue;
            }
        }
    }

    protected override void StopConsumers() => _queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
