using System.Globalization;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>What one run of the worker process reported, gathered from its lines.</summary>
internal sealed class RunLog(int run)
{
    private readonly List<int> _acknowledged = [];
    private readonly List<HandlerCall> _calls = [];

    public int Run { get; } = run;

    /// <summary>Orders whose enqueue returned, in order.</summary>
    public IReadOnlyList<int> Acknowledged => _acknowledged;

    public IReadOnlyList<HandlerCall> Calls => _calls;

    /// <summary>The queue's processed count when the run stopped on its own (the restart), or null.</summary>
    public long? Processed { get; private set; }

    public bool Finished(int order) => _calls.Any(c => c.Order == order && c.Finished);

    /// <exception cref="FormatException">The line is not of the protocol.</exception>
    public void Record(WorkerLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        switch (line.Step)
        {
            case WorkerLine.Ready:
                break;
            case WorkerLine.Acknowledged:
                _acknowledged.Add(line.Order);
                break;
            case WorkerLine.Started when line.Details.Count == 3:
                _calls.Add(new HandlerCall(
                    Run,
                    line.Order,
                    Guid.Parse(line.Details[0], CultureInfo.InvariantCulture),
                    int.Parse(line.Details[1], CultureInfo.InvariantCulture),
                    line.Details[2] == "1"));
                break;
            case WorkerLine.Shipped:
                Update(line.Order, static c => c with { Shipped = true });
                break;
            case WorkerLine.Skipped:
                Update(line.Order, static c => c with { Skipped = true });
                break;
            case WorkerLine.Stuck:
                Update(line.Order, static c => c with { Hung = true });
                break;
            case WorkerLine.Done:
                Update(line.Order, static c => c with { Finished = true });
                break;
            case WorkerLine.Stopped when line.Details.Count == 1:
                Processed = long.Parse(line.Details[0], CultureInfo.InvariantCulture);
                break;
            default:
                throw new FormatException($"Unexpected line from the worker process: {line}.");
        }
    }

    /// <summary>Applies a step to the order's latest call.</summary>
    private void Update(int order, Func<HandlerCall, HandlerCall> step)
    {
        var index = _calls.FindLastIndex(c => c.Order == order);
        if (index < 0)
        {
            throw new FormatException($"The worker process reported a step of order {order} before its handler started.");
        }

        _calls[index] = step(_calls[index]);
    }
}
