using System.Globalization;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// What one run of the worker process is told, and how it reports: one line per step on its standard output, each
/// ending with <c>" ;"</c> so that the scene can tell a whole line from one the kill cut short.
/// </summary>
internal sealed class WorkerRun(int number, bool hangs, TimeSpan tick, TextWriter output)
{
    private readonly Lock _lock = new();

    /// <summary>1 for the run that is killed, 2 for the restart.</summary>
    public int Number { get; } = number;

    /// <summary>Whether the plan's stuck orders hang in this run.</summary>
    public bool Hangs { get; } = hangs;

    /// <summary>How long handing a parcel to the courier takes (zero in tests).</summary>
    public TimeSpan Tick { get; } = tick;

    public void Report(string step, int order, string? detail = null) =>
        Write(detail is null
            ? string.Create(CultureInfo.InvariantCulture, $"{step} {order}")
            : string.Create(CultureInfo.InvariantCulture, $"{step} {order} {detail}"));

    public void Write(string line)
    {
        lock (_lock)
        {
            output.WriteLine(line + " ;");
            output.Flush();
        }
    }
}
