using System.Threading.Tasks.Dataflow;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// The Dataflow peer of fan-out: a <see cref="BroadcastBlock{T}"/> linked to N
/// <see cref="ActionBlock{TInput}"/>s. The targets are unbounded, as in the BenchmarkDotNet suite:
/// a broadcast block offers each message once and a bounded target that is full misses it without
/// a trace, so with bounded targets the deliveries could not be counted. This row therefore has no
/// backpressure (and no drops), unlike the bounded rows beside it.
/// </summary>
public sealed class BroadcastBlockRow : Row
{
    private readonly BroadcastBlock<ClassEvent> _broadcast = new(cloningFunction: null);
    private readonly ActionBlock<ClassEvent>[] _targets;
    private readonly ClassEvent _event;

    public BroadcastBlockRow(string scenario, string name, int targets, ClassEvent e)
        : base(scenario, name, isBaseline: false, consumers: targets, fanOut: targets)
    {
        _event = e;
        _targets = new ActionBlock<ClassEvent>[targets];
        for (var i = 0; i < targets; i++)
        {
            _targets[i] = new ActionBlock<ClassEvent>(Consumers[i].Handle);
            _broadcast.LinkTo(_targets[i]);
        }
    }

    protected override Task ProduceAsync(int events)
    {
        var broadcast = _broadcast;
        var e = _event;
        for (var i = 0; i < events; i++)
        {
            if (!broadcast.Post(e))
            {
                throw new InvalidOperationException("BroadcastBlock declined a message.");
            }
        }

        return Task.CompletedTask;
    }

    protected override void StopConsumers()
    {
        _broadcast.Complete();
        _broadcast.Completion.GetAwaiter().GetResult();
        foreach (var target in _targets)
        {
            target.Complete();
            target.Completion.GetAwaiter().GetResult();
        }
    }
}
