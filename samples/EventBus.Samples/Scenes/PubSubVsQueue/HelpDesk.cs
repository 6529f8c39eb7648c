namespace EventBus.Samples.Scenes.PubSubVsQueue;

/// <summary>
/// Names the agents and makes the split of tickets the same on every run.
/// </summary>
/// <remarks>
/// <para>
/// A work queue's workers are anonymous: the handler is not told which one runs it. So each call
/// takes the lowest free desk while it works. There are as many desks as workers and a worker
/// handles one ticket at a time, so the desks in use at any moment belong to different workers.
/// </para>
/// <para>
/// The queue promises each ticket to exactly one worker, not an equal share: on a fast machine one
/// worker could take two tickets before another has started. To show the sharing the same way on
/// every machine, agents start in rounds: each one waits at the gate until every agent of its
/// round has a ticket. A round of three busy agents is three different workers, so over two rounds
/// each worker answers exactly two tickets.
/// </para>
/// </remarks>
internal sealed class HelpDesk
{
    private readonly Lock _lock = new();
    private readonly string[] _agents;
    private readonly bool[] _busy;
    private int _notStarted;
    private int _roundSize;
    private int _arrived;
    private TaskCompletionSource _round = NewRound();

    public HelpDesk(int agents, int tickets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(agents, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(tickets);
        _agents = [.. Enumerable.Range(1, agents).Select(static i => $"agent-{i}")];
        _busy = new bool[agents];
        _notStarted = tickets;
        _roundSize = Math.Min(agents, tickets);
    }

    public IReadOnlyList<string> Agents => _agents;

    /// <summary>Takes the lowest free desk and waits until the whole round is busy; returns the agent's name.</summary>
    public async Task<string> ClockInAsync(CancellationToken cancellationToken)
    {
        string agent;
        Task roundStarted;
        lock (_lock)
        {
            var desk = Array.IndexOf(_busy, false);
            if (desk < 0)
            {
                throw new InvalidOperationException("More tickets in progress than agents: the queue has more workers than the help desk has desks.");
            }

            _busy[desk] = true;
            agent = _agents[desk];
            _notStarted--;
            _arrived++;
            roundStarted = _round.Task;
            if (_arrived == _roundSize)
            {
                _round.SetResult();
                _round = NewRound();
                _arrived = 0;
                _roundSize = Math.Min(_agents.Length, _notStarted);
            }
        }

        await roundStarted.WaitAsync(cancellationToken);
        return agent;
    }

    public void ClockOut(string agent)
    {
        lock (_lock)
        {
            _busy[Array.IndexOf(_agents, agent)] = false;
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
