using EventBus.Consumers;
using EventBus.Diagnostics;

namespace EventBus.PubSub;

/// <summary>How the bus stops: its own <see cref="ConsumerLifecycle"/>, whose target is every subscription it owns.</summary>
/// <remarks>
/// <para>The bus owns a subscription from <c>Subscribe</c> until the subscription's consumer has stopped,
/// also after it was unsubscribed (<see cref="_stopping"/>): a drain or halt of the bus is forwarded to
/// every subscription it owns, so one that is draining on its own is waited for (or halted) too, and its
/// events are in the bus's <see cref="DrainResult"/>. Forwarded requests combine with the subscription's
/// own, the strictest winning. A deadline of the bus halts the bus, and so every subscription.</para>
/// <para>Awaited from inside a handler of one of its subscriptions, <see cref="CompleteAsync"/> waits for
/// every other subscription to stop, and for that one as far as it can (see
/// <see cref="Consumer{T}.WhenQuiescentExceptAsync"/>).</para>
/// </remarks>
internal sealed partial class InProcessEventBus : IStopTarget
{
    private readonly HashSet<ISubscriptionEntry> _stopping = [];
    private SubscriptionStatistics _retired;
    private Task<DrainResult>? _result;
    private Task? _allStopped;
    private long _stopStartedAt;
    private long _abandonedAtStop;
    private volatile bool _disposed;

    /// <summary>The bus's own lifecycle.</summary>
    internal ConsumerLifecycle Lifecycle { get; }

    public ValueTask<DrainResult> CompleteAsync(CancellationToken cancellationToken = default) =>
        AnswerAsync(Lifecycle.RequestDrain(cancellationToken));

    public async ValueTask DisposeAsync()
    {
        // The deadline outlives this call when it is made from inside a handler: it must still bound the drain.
        var deadline = CreateDrainDeadline();
        var stopped = Lifecycle.RequestDrain(deadline.Token);
        _ = stopped.ContinueWith(
            static (_, state) =>
            {
                var (bus, source) = ((InProcessEventBus, CancellationTokenSource))state!;
                source.Dispose();
                bus._disposed = true;
                bus.Environment.Telemetry.Dispose();
            },
            (this, deadline),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        await AnswerAsync(stopped).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _disposed = true;
        Lifecycle.RequestHalt(DropReason.Abandoned);

        // As a subscription's Dispose promises: no handler call runs once this returns (bounded by DrainTimeout).
        var deadline = Consumer<object>.DeadlineIn(DrainTimeoutOrDefault);
        foreach (var subscription in BeginStop())
        {
            subscription.WaitForRunningHandlers(deadline);
        }

        Environment.Telemetry.Dispose();
    }

    public void Retire(ISubscriptionEntry subscription)
    {
        var statistics = subscription.GetStatistics();
        lock (_gate)
        {
            if (!subscription.IsRetired)
            {
                _retired = Add(_retired, statistics);
                subscription.IsRetired = true;
                _stopping.Remove(subscription);
            }
        }
    }

    void IStopTarget.OnDrain()
    {
        foreach (var subscription in BeginStop())
        {
            subscription.Lifecycle.RequestDrain(CancellationToken.None);
        }
    }

    void IStopTarget.OnHalt(DropReason reason)
    {
        foreach (var subscription in BeginStop())
        {
            subscription.Lifecycle.RequestHalt(reason);
        }
    }

    void IStopTarget.OnHaltAgain()
    {
        foreach (var subscription in BeginStop())
        {
            subscription.Lifecycle.RequestHalt(DropReason.Abandoned);
        }
    }

    /// <summary>Notes the start of the stop (once) and returns every subscription the bus owns.</summary>
    private ISubscriptionEntry[] BeginStop()
    {
        ISubscriptionEntry[] owned;
        var first = false;
        lock (_gate)
        {
            owned = [.. _subscriptions, .. _stopping];
            foreach (var route in _routes)
            {
                route.Close();
            }

            if (_allStopped is null)
            {
                first = true;
                _stopStartedAt = Environment.Time.GetTimestamp();
                _abandonedAtStop = TotalsUnderLock(owned).Abandoned;
            }
        }

        if (first)
        {
            _allStopped = StopWhenAllStoppedAsync(owned);
        }

        return owned;
    }

    private async Task StopWhenAllStoppedAsync(ISubscriptionEntry[] owned)
    {
        var stopped = new Task[owned.Length];
        for (var i = 0; i < owned.Length; i++)
        {
            stopped[i] = owned[i].Lifecycle.Completion;
        }

        await Task.WhenAll(stopped).ConfigureAwait(false);
        foreach (var subscription in owned)
        {
            Retire(subscription);
        }

        Lifecycle.TryMarkStopped();
    }

    /// <summary>The answer to a stop request: the result once the bus has stopped, or, from inside a handler,
    /// once everything but that handler's own work has.</summary>
    private ValueTask<DrainResult> AnswerAsync(Task stopped)
    {
        if (WaitFromInside(stopped) is { } inside)
        {
            return AnswerFromInsideAsync(inside);
        }

        lock (_gate)
        {
            return new ValueTask<DrainResult>(_result ??= ResultWhenStoppedAsync(stopped));
        }
    }

    private async ValueTask<DrainResult> AnswerFromInsideAsync(Task inside)
    {
        await inside.ConfigureAwait(false);
        return BuildResult();
    }

    /// <summary>When the caller runs inside a handler of one of this bus's subscriptions: every other
    /// subscription's stop, and that one's wait from inside.</summary>
    private Task<Task>? WaitFromInside(Task stopped)
    {
        ISubscriptionEntry[] owned;
        lock (_gate)
        {
            owned = [.. _subscriptions, .. _stopping];
        }

        Task? inside = null;
        var others = new List<Task>(owned.Length);
        foreach (var subscription in owned)
        {
            if (inside is null && subscription.WaitFromInside() is { } wait)
            {
                inside = wait;
            }
            else
            {
                others.Add(subscription.Lifecycle.Completion);
            }
        }

        if (inside is null)
        {
            return null;
        }

        others.Add(inside);
        return Task.WhenAny(Task.WhenAll(others), stopped);
    }

    private async Task<DrainResult> ResultWhenStoppedAsync(Task stopped)
    {
        await stopped.ConfigureAwait(false);
        var result = BuildResult();
        if (result.Completed)
        {
            Log.Drained(Environment.Logger, "EventBus", result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }
        else
        {
            Log.DrainDeadlineExceeded(Environment.Logger, "EventBus", result.Elapsed.TotalMilliseconds, result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
        }

        return result;
    }

    private DrainResult BuildResult()
    {
        SubscriptionStatistics total;
        long abandonedAtStop;
        lock (_gate)
        {
            total = TotalsUnderLock([.. _subscriptions, .. _stopping]);
            abandonedAtStop = _abandonedAtStop;
        }

        var elapsed = _allStopped is null ? TimeSpan.Zero : Environment.Time.GetElapsedTime(_stopStartedAt);
        return new DrainResult(total.Abandoned == abandonedAtStop, total.Delivered, total.DeadLettered, total.Dropped, total.Abandoned, elapsed);
    }

    private SubscriptionStatistics TotalsUnderLock(ISubscriptionEntry[] owned)
    {
        var total = _retired;
        foreach (var subscription in owned)
        {
            if (!subscription.IsRetired)
            {
                total = Add(total, subscription.GetStatistics());
            }
        }

        return total;
    }

    private static SubscriptionStatistics Add(SubscriptionStatistics a, SubscriptionStatistics b) => new(
        a.Delivered + b.Delivered,
        a.FailedAttempts + b.FailedAttempts,
        a.Retried + b.Retried,
        a.DeadLettered + b.DeadLettered,
        a.Dropped + b.Dropped,
        a.Abandoned + b.Abandoned);
}
