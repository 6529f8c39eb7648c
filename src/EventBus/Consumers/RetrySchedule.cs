namespace EventBus.Consumers;

/// <summary>
/// The items (or batches) of one consumer that wait out a backoff on a timer, off any worker. Exactly one
/// of the timer and a halt wins each ticket and decides its item's fate.
/// </summary>
internal sealed class RetrySchedule<T>(Consumer<T> owner)
{
    private readonly Lock _gate = new();
    private readonly HashSet<RetryTicket<T>> _tickets = [];
    private int _count;

    /// <summary>Items waiting for a timer.</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>Arms a timer that gives the item to <paramref name="due"/> after <paramref name="delay"/>.</summary>
    /// <returns>False when the consumer has halted: the caller still owns the item.</returns>
    internal bool TrySchedule(in WorkItem<T> item, Batch<T>? batch, TimeSpan delay, Action<WorkItem<T>, Batch<T>?> due)
    {
        var ticket = new RetryTicket<T>(this, item, batch, due);
        lock (_gate)
        {
            // Checked under the lock a halt takes to cancel tickets, so no ticket is added after that sweep.
            if (owner.IsHalted)
            {
                return false;
            }

            _tickets.Add(ticket);
            _count += ticket.Size;
        }

        ticket.Arm(owner.Time, delay);
        return true;
    }

    /// <summary>A timer fired and won its ticket.</summary>
    internal void OnDue(RetryTicket<T> ticket)
    {
        lock (_gate)
        {
            _tickets.Remove(ticket);
            _count -= ticket.Size;
        }

        ticket.Due(ticket.Item, ticket.Batch);
    }

    /// <summary>At a halt: cancels every timer that has not fired and loses its item (abandoned: it was attempted).</summary>
    internal void Halt()
    {
        RetryTicket<T>[] tickets;
        lock (_gate)
        {
            tickets = [.. _tickets];
            _tickets.Clear();
            _count = 0;
        }

        foreach (var ticket in tickets)
        {
            if (!ticket.TryCancel())
            {
                continue;
            }

            if (ticket.Batch is { } batch)
            {
                owner.Lose(batch, DropReason.Abandoned);
            }
            else
            {
                owner.Lose(ticket.Item, DropReason.Abandoned);
            }
        }
    }
}
