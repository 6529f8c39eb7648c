using System.Globalization;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>One line the worker process wrote: a step, the order it concerns (0 for none), and what else it said.</summary>
internal sealed record WorkerLine(string Step, int Order, IReadOnlyList<string> Details)
{
    /// <summary>The queue is open and the process is listening: <c>READY</c>.</summary>
    public const string Ready = "READY";

    /// <summary>An enqueue returned, so the order is committed to the file: <c>ACK order</c>.</summary>
    public const string Acknowledged = "ACK";

    /// <summary>A handler was called: <c>START order message-id attempt redelivered(0/1)</c>.</summary>
    public const string Started = "START";

    /// <summary>The parcel was handed to the courier and recorded in the ledger.</summary>
    public const string Shipped = "SHIPPED";

    /// <summary>The item came back redelivered and the ledger says its parcel already left: nothing shipped.</summary>
    public const string Skipped = "SKIPPED";

    /// <summary>The handler hangs from here on (first run only).</summary>
    public const string Stuck = "STUCK";

    /// <summary>The handler returned: the queue acknowledges the item (deletes its row) after this.</summary>
    public const string Done = "DONE";

    /// <summary>The process drained its queue and is closing the file: <c>STOPPED 0 items-processed</c>.</summary>
    public const string Stopped = "STOPPED";

    /// <exception cref="FormatException">The line is not of the protocol.</exception>
    public static WorkerLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !int.TryParse(parts.Length > 1 ? parts[1] : "0", NumberStyles.Integer, CultureInfo.InvariantCulture, out var order))
        {
            throw new FormatException($"'{line}' is not a line of the worker process.");
        }

        return new WorkerLine(parts[0], order, parts.Length > 2 ? parts[2..] : []);
    }
}
