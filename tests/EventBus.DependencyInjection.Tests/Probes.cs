using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.DependencyInjection.Tests;

/// <summary>A scoped service that knows whether it was disposed.</summary>
public sealed class ScopedProbe : IAsyncDisposable
{
    private static int s_next;

    public int Id { get; } = Interlocked.Increment(ref s_next);

    public bool IsDisposed { get; private set; }

    public ValueTask DisposeAsync()
    {
        IsDisposed = true;
        return default;
    }
}

/// <summary>What the handlers saw, shared with the test through the container.</summary>
public sealed class HandlerLog
{
    public ConcurrentQueue<(int Event, ScopedProbe Probe, EventContext Context)> Calls { get; } = new();

    public Countdown? Expected { get; set; }

    public Countdown? Inside { get; set; }

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool WaitForRelease { get; set; }
}

public sealed class PingHandler(ScopedProbe probe, HandlerLog log) : IEventHandler<Ping>
{
    public async ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken)
    {
        log.Inside?.Signal();
        if (log.WaitForRelease)
        {
            await log.Release.Task.WaitAsync(cancellationToken);
        }

        probe.IsDisposed.Should().BeFalse("the scope lives until the handler returns");
        log.Calls.Enqueue((@event.Sequence, probe, context));
        log.Expected?.Signal();
    }
}

public sealed class HungHandler(HandlerLog log) : IEventHandler<Ping>
{
    public async ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken)
    {
        log.Inside?.Signal();
        await log.Release.Task; // ignores cancellation on purpose
    }
}

public sealed record Payment(int Id, decimal Amount);

/// <summary>What the work-item handlers saw.</summary>
public sealed class WorkLog
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Queue, int Item, ScopedProbe Probe)> Calls { get; } = new();

    public Countdown? Expected { get; set; }

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool WaitForRelease { get; set; }
}

public sealed class CardPaymentHandler(ScopedProbe probe, WorkLog log) : IWorkItemHandler<Payment>
{
    public async ValueTask HandleAsync(Payment item, EventContext context, CancellationToken cancellationToken)
    {
        if (log.WaitForRelease)
        {
            await log.Release.Task.WaitAsync(cancellationToken);
        }

        log.Calls.Enqueue(("card", item.Id, probe));
        log.Expected?.Signal();
    }
}

public sealed class RefundHandler(ScopedProbe probe, WorkLog log) : IWorkItemHandler<Payment>
{
    public ValueTask HandleAsync(Payment item, EventContext context, CancellationToken cancellationToken)
    {
        log.Calls.Enqueue(("refund", item.Id, probe));
        log.Expected?.Signal();
        return default;
    }
}
