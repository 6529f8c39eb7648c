namespace EventBus;

/// <summary>
/// A work queue registered with <c>AddWorkQueue</c>, seen without its item type: what health checks and
/// dashboards read. Resolve every registered queue with <c>GetServices&lt;IRegisteredWorkQueue&gt;()</c>.
/// </summary>
/// <remarks>Reading these members never creates the queue: before it is created (when the host starts, or
/// when it is first resolved), <see cref="IsCreated"/> is <see langword="false"/> and the counts are 0.</remarks>
public interface IRegisteredWorkQueue
{
    /// <summary>The queue's name: its service key when it is a named queue, else its item type's name.</summary>
    string Name { get; }

    /// <summary>The type of the queue's items.</summary>
    Type ItemType { get; }

    /// <summary>Whether the queue exists yet.</summary>
    bool IsCreated { get; }

    /// <summary>Items waiting: buffered, in the overflow or waiting for a retry (<see cref="WorkQueue{T}.Count"/>).</summary>
    int Count { get; }

    /// <summary>Items being handled now (<see cref="WorkQueue{T}.InFlight"/>).</summary>
    int InFlight { get; }

    /// <summary>How many items the queue buffers (<see cref="WorkQueue{T}.Capacity"/>); 0 before it is created.</summary>
    int Capacity { get; }

    /// <summary>Reads the queue's counters (<see cref="WorkQueue{T}.GetStatistics"/>).</summary>
    /// <returns>A snapshot; all zero before the queue is created.</returns>
    WorkQueueStatistics GetStatistics();
}
