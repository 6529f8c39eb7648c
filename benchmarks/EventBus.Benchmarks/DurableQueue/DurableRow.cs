using Microsoft.Data.Sqlite;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>
/// One way of moving items through a SQLite file: a durable queue's enqueue, commit, hand-out, handling and delete.
/// A row is created once per synchronous mode (one file each) and runs every producer count, round after round.
/// </summary>
public abstract class DurableRow : IDisposable
{
    private bool[] _seen = [];
    private int _handled;
    private int _expected;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected DurableRow(string name, bool isBaseline, string synchronous, string path)
    {
        Name = name;
        IsBaseline = isBaseline;
        Synchronous = synchronous;
        Path = path;
    }

    public string Name { get; }

    public bool IsBaseline { get; }

    /// <summary><c>FULL</c> or <c>NORMAL</c>.</summary>
    public string Synchronous { get; }

    public string Path { get; }

    /// <summary>
    /// Enqueues <paramref name="items"/> items from <paramref name="producers"/> concurrent producers, each awaiting its
    /// enqueue's commit before the next, and returns when the consumer has handled the last one. Every item must be
    /// handled exactly once (throws otherwise). After the timed part it waits, untimed, until the last deletes are
    /// committed and the table is empty, so that no run leaves work for the next.
    /// </summary>
    public async Task<TimeSpan> RunAsync(int items, int producers)
    {
        _seen = new bool[items];
        _handled = 0;
        _expected = items;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var tasks = new Task[producers];
        for (var p = 0; p < producers; p++)
        {
            var producer = p;
            tasks[p] = Task.Run(async () =>
            {
                for (var number = producer; number < items; number += producers)
                {
                    await EnqueueAsync(new DurableItem(number, producer));
                }
            });
        }

        await Task.WhenAll(tasks);
        await _done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        await WaitUntilEmptyAsync();
        return elapsed;
    }

    public abstract void Dispose();

    /// <summary>Stores one item; completes after the commit that holds it.</summary>
    protected abstract ValueTask EnqueueAsync(DurableItem item);

    /// <summary>The consumer's handler: checks and counts.</summary>
    protected void Handle(DurableItem item)
    {
        if (item.Number >= _seen.Length || _seen[item.Number])
        {
            _done.TrySetException(new InvalidOperationException($"{Name} ({Synchronous}): item {item.Number} handled twice or unknown."));
            return;
        }

        _seen[item.Number] = true;
        if (Interlocked.Increment(ref _handled) == _expected)
        {
            _done.TrySetResult();
        }
    }

    /// <summary>Reads the row count on a connection of its own until it is zero (a second reader is harmless in WAL).</summary>
    private async Task WaitUntilEmptyAsync()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM eventbus_items";
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((long)count.ExecuteScalar()! != 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} ({Synchronous}): rows are still in the table a minute after the run.");
            }

            await Task.Delay(1);
        }
    }
}
