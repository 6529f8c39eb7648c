using System.Threading.Tasks.Dataflow;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// The Dataflow peer of queued 1->1 (MaxDegreeOfParallelism = 1) and of the work queue
/// (MaxDegreeOfParallelism = K): one <see cref="ActionBlock{TInput}"/> bounded at the same
/// capacity, the producer posting and awaiting <c>SendAsync</c> when it is full.
/// </summary>
public sealed class ActionBlockRow<T> : Row
{
    private readonly ActionBlock<T> _block;
    private readonly T _event;

    public ActionBlockRow(string scenario, string name, int maxDegreeOfParallelism, int capacity, T e)
        : base(scenario, name, isBaseline: false, consumers: 1)
    {
        _event = e;
        _block = new ActionBlock<T>(Consumers[0].Handler<T>(competing: maxDegreeOfParallelism > 1), new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = capacity,
            MaxDegreeOfParallelism = maxDegreeOfParallelism,
        });
    }

    protected override async Task ProduceAsync(int events)
    {
        var block = _block;
        var e = _event;
        for (var i = 0; i < events; i++)
        {
            if (!block.Post(e))
            {
                await block.SendAsync(e);
            }
        }
    }

    protected override void StopConsumers()
    {
        _block.Complete();
        _block.Completion.GetAwaiter().GetResult();
    }
}
