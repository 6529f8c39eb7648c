using System.Collections.Concurrent;
using EventBus.Tests.Consumers;

namespace EventBus.Reliability.Tests;

/// <summary>
/// Runs one <see cref="LifecycleHistory"/> against a real consumer, then checks what the lifecycle
/// promises (see <see cref="CheckAsync"/>). The test thread takes the steps in order and never waits for
/// user code: asynchronous offers and stop calls are started and kept, a synchronous <c>Dispose</c> runs
/// on the thread pool and is awaited with a bound.
/// </summary>
/// <remarks>
/// <para><b>What the test knows.</b> Handlers run concurrently with the steps, so a stop request made from
/// inside a handler happens at a moment the test does not know. The test relies only on what its own
/// steps settle: a halt is <i>known</i> once the test thread issued a <c>Dispose</c>, or a stop call whose
/// deadline a later (or earlier) step fired. From then on every stop call must be answered without
/// releasing the hung handlers.</para>
/// <para><b>Accepted.</b> An offer is accepted when it completes without exception (a refused one faults
/// with <see cref="ObjectDisposedException"/>, or <c>TryEnqueue</c> returns false). One exception: a
/// publish to a subscription face is not for the subscription once the subscription itself was disposed
/// (the bus is still open, so the publish succeeds). Where a handler's own request raced with an offer,
/// the test resolves it by what the subscription did with the item (a handler call or a drop report).</para>
/// </remarks>
internal sealed class LifecycleRun : IAsyncDisposable
{
    /// <summary>Short, because every <c>Dispose</c> waits up to this long (real clock) for a
    /// handler that ignores its token; the fake clock moves by it at <see cref="ElapseDrainTimeoutStep"/>.</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The bound on every wait for something that must happen promptly.</summary>
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly LifecycleHistory _history;
    private readonly ItemPlan[] _plans;
    private readonly ConsumerFace _face;
    private readonly ProbeHandler _handler;
    private readonly CancellationTokenSource[] _deadlines = new CancellationTokenSource[LifecycleModel.Deadlines];
    private readonly bool[] _fired = new bool[LifecycleModel.Deadlines];
    private readonly bool[] _boundByDeadline = new bool[LifecycleModel.Deadlines];
    private readonly List<Offered> _offers = [];
    private readonly List<StopCall> _outside = [];
    private readonly ConcurrentQueue<StopCall> _inside = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly ConcurrentDictionary<int, int> _attempts = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _insideIssued = new();
    private int _ownStopIssued;
    private int _firstOwnStop = int.MaxValue;
    private int _drainTimeoutsPending;
    private string? _knownHalt;

    internal LifecycleRun(LifecycleHistory history)
    {
        _history = history;
        _plans = [.. history.Steps.OfType<OfferStep>().Select(offer => offer.Item)];
        _handler = new ProbeHandler(item => _plans[item].Behaviour == ItemBehaviour.Hangs ? _plans[item].HangKind : null)
        {
            Inside = InsideAsync,
        };
        _face = ConsumerFace.Create(history.Face, _handler, retryPolicy: LifecycleModel.Retries, drainTimeout: DrainTimeout);
        for (var i = 0; i < _deadlines.Length; i++)
        {
            _deadlines[i] = new CancellationTokenSource();
        }
    }

    /// <summary>The step the test thread is taking (for a run that hangs in one).</summary>
    internal int CurrentStep { get; private set; } = -1;

    /// <summary>Stop requests that handlers made.</summary>
    internal int InsideCalls => _inside.Count;

    /// <summary>Set once the test knew the consumer had halted before it released hung handlers.</summary>
    internal bool KnewHalt => _knownHalt is not null;

    /// <summary>Offers accepted, once <see cref="CheckAsync"/> ran.</summary>
    internal long Accepted { get; private set; }

    internal async Task ExecuteAsync()
    {
        var item = 0;
        for (var step = 0; step < _history.Steps.Count; step++)
        {
            CurrentStep = step;
            switch (_history.Steps[step])
            {
                case OfferStep offer:
                    Offer(step, item++, offer.Sync);
                    break;
                case StopStep stop:
                    await StopFromOutsideAsync(step, stop.Plan);
                    break;
                case FireDeadlineStep fire:
                    _fired[fire.Deadline] = true;
                    _deadlines[fire.Deadline].Cancel();
                    if (_boundByDeadline[fire.Deadline])
                    {
                        _knownHalt ??= $"step {step} fired d{fire.Deadline} of a stop call the test thread made";
                    }

                    break;
                case ElapseDrainTimeoutStep:
                    _face.Time.Advance(DrainTimeout);
                    if (_drainTimeoutsPending > 0)
                    {
                        _knownHalt ??= $"step {step} moved the clock past the drain timeout of a DisposeAsync the test thread made";
                    }

                    _drainTimeoutsPending = 0;
                    break;
                case ReleaseStep:
                    _handler.Release();
                    break;
                case AwaitInsideStep awaited:
                    await WithinAsync(InsideIssued(awaited.Item).Task, $"offer#{awaited.Item}'s handler to make its stop request");
                    break;
            }
        }

        CurrentStep = _history.Steps.Count;
    }

    /// <summary>
    /// After the steps: (1) when a halt is known, every stop call made so far returns while hung handlers
    /// still hang, and no handler call starts afterwards; (2) once hung handlers are released, every offer
    /// and stop call completes and a final drain finishes, and every handler returns; (3) the counting:
    /// each accepted offer has exactly one outcome, in the face's statistics, in the engine's books and in
    /// every drain result, and refused offers left no trace.
    /// </summary>
    internal async Task CheckAsync()
    {
        if (_knownHalt is not null)
        {
            await AllWithinAsync(
                [.. _outside, .. _inside.ToArray()],
                $"after the halt the test knew of ({_knownHalt}), with hung handlers not released");
            _handler.StopReturned();
        }

        _handler.Release();
        await AllWithinAsync(_outside, "after hung handlers were released");
        await OffersWithinAsync();
        var final = await WithinAsync(_face.CompleteAsync().AsTask(), "the final CompleteAsync, with every handler released", StillWaiting);
        await HandlersReturnAsync();
        await AllWithinAsync(_inside.ToArray(), "the stop calls handlers made, after every handler returned");

        _unexpected.Should().BeEmpty("no offer or stop call may fail in a way the contract does not name");
        _handler.StartsAfterStop.Should().Be(0, "no handler call starts after a Dispose (or a halt the test knew of) returned");
        var accepted = CountAccepted();
        Accepted = accepted;
        _face.Outcomes.ShouldBalance(accepted, "the face's statistics");
        _face.ShouldBalanceInEngine(accepted);
        final.ShouldBalance(accepted, "the final drain's result");
        foreach (var call in _outside.Where(call => call.Result is not null))
        {
            var result = call.Result!.Result;
            result.ShouldBalance(accepted, $"the result of {call}");
            if (result is WorkQueueDrainResult<int> queueResult)
            {
                queueResult.AbandonedItems.Should().HaveCount((int)queueResult.Abandoned, "{0} hands back every item it abandoned", call);
            }
        }

        var droppedTwice = _face.Drops.GroupBy(drop => (int)drop.Event!).Where(group => group.Count() > 1).Select(group => group.Key);
        droppedTwice.Should().BeEmpty("an item is reported dropped or abandoned at most once");
    }

    public async ValueTask DisposeAsync()
    {
        await _face.DisposeAsync();
        foreach (var deadline in _deadlines)
        {
            deadline.Dispose();
        }
    }

    private void Offer(int step, int item, bool sync)
    {
        var offered = new Offered(item, step, sync);
        _offers.Add(offered);
        try
        {
            if (sync)
            {
                offered.Accepted = Task.FromResult(_face.Offer(item));
            }
            else
            {
                var pending = _face.OfferAsync(item);
                offered.Accepted = AcceptedAsync(pending);
            }
        }
        catch (ObjectDisposedException) when (sync)
        {
            offered.Accepted = Task.FromResult(false);
        }
        catch (Exception ex)
        {
            _unexpected.Enqueue($"offer#{item} ({(sync ? "sync" : "async")}) threw {ex.GetType().Name} at the call: {ex.Message}");
            offered.Accepted = Task.FromResult(false);
        }

        // Read after the offer's synchronous part, where a subscription decides whether it takes the item.
        offered.Ambiguous = Volatile.Read(ref _ownStopIssued) != 0;
    }

    private async Task<bool> AcceptedAsync(ValueTask offer)
    {
        try
        {
            await offer;
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        catch (Exception ex)
        {
            _unexpected.Enqueue($"an async offer faulted with {ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }

    private async Task StopFromOutsideAsync(int step, StopPlan plan)
    {
        var call = Issue(plan, step, insideItem: -1);
        _outside.Add(call);
        if (plan.IsOwn && _face.HasBus)
        {
            _firstOwnStop = Math.Min(_firstOwnStop, step);
        }

        if (plan.IsHalt)
        {
            await WithinAsync(call.Returned, $"{call} to return");
            _handler.StopReturned();
            _knownHalt ??= $"{call} returned";
        }
        else if (plan.Request == StopRequest.CompleteWithDeadline)
        {
            _boundByDeadline[plan.Deadline] = true;
            if (_fired[plan.Deadline])
            {
                _knownHalt ??= $"{call} was given a deadline already fired";
            }
        }
        else if (plan.UsesDrainTimeout)
        {
            _drainTimeoutsPending++;
        }
    }

    /// <summary>A handler's own stop request, made (and awaited) on its first attempt, then its behaviour.</summary>
    private async Task InsideAsync(int item, CancellationToken cancellationToken)
    {
        var plan = _plans[item];
        var attempt = _attempts.AddOrUpdate(item, 1, static (_, count) => count + 1);
        if (attempt == 1 && plan.Inside is { } stop)
        {
            var call = Issue(stop, step: -1, insideItem: item);
            _inside.Enqueue(call);
            if (stop.IsHalt)
            {
                _handler.StopReturned();
            }

            InsideIssued(item).TrySetResult();

            await call.Returned.ConfigureAwait(false);
        }

        if (plan.Behaviour == ItemBehaviour.AlwaysFails || (plan.Behaviour == ItemBehaviour.FailsOnce && attempt == 1))
        {
            throw new InvalidOperationException($"model failure of item {item}, attempt {attempt}");
        }
    }

    /// <summary>Makes one stop request. A Dispose from the test thread runs on the thread pool (to bound it); from
    /// a handler it runs on the handler's thread, as a user's would.</summary>
    private StopCall Issue(StopPlan plan, int step, int insideItem)
    {
        if (plan.IsOwn && _face.HasBus)
        {
            Interlocked.Exchange(ref _ownStopIssued, 1);
        }

        var inside = insideItem >= 0;
        Task<DrainResult>? result = null;
        Task returned;
        try
        {
            returned = plan.Request switch
            {
                StopRequest.Complete => result = _face.CompleteAsync().AsTask(),
                StopRequest.CompleteWithDeadline => result = _face.CompleteAsync(_deadlines[plan.Deadline].Token).AsTask(),
                StopRequest.DisposeAsync => _face.StopAsync().AsTask(),
                StopRequest.BusDisposeAsync => _face.StopBusAsync().AsTask(),
                StopRequest.Dispose => inside ? RunHere(_face.Stop) : Task.Run(_face.Stop),
                _ => inside ? RunHere(_face.StopBus) : Task.Run(_face.StopBus),
            };
        }
        catch (Exception ex)
        {
            returned = Task.FromException(ex);
        }

        var call = new StopCall(plan, step, insideItem, returned, result);
        _ = returned.ContinueWith(
            static (task, state) =>
            {
                var (run, call) = ((LifecycleRun, StopCall))state!;
                run._unexpected.Enqueue($"{call} failed: {task.Exception!.GetBaseException()}");
            },
            (this, call),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return call;
    }

    private TaskCompletionSource InsideIssued(int item) =>
        _insideIssued.GetOrAdd(item, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static Task RunHere(Action stop)
    {
        stop();
        return Task.CompletedTask;
    }

    private long CountAccepted()
    {
        var started = _handler.Started.ToHashSet();
        var dropped = _face.Drops.Select(drop => (int)drop.Event!).ToHashSet();
        long accepted = 0;
        foreach (var offer in _offers)
        {
            var traced = started.Contains(offer.Item) || dropped.Contains(offer.Item);
            var succeeded = offer.Accepted!.Result;
            if (!succeeded)
            {
                traced.Should().BeFalse("offer#{0} was refused, so the consumer never had it", offer.Item);
                continue;
            }

            if (offer.Step > _firstOwnStop)
            {
                traced.Should().BeFalse("offer#{0} came after the subscription's own stop (step {1}), so it was not for the subscription", offer.Item, _firstOwnStop);
                continue;
            }

            if (!offer.Ambiguous || traced)
            {
                accepted++;
            }
        }

        return accepted;
    }

    private async Task OffersWithinAsync()
    {
        var all = Task.WhenAll(_offers.Select(offer => offer.Accepted!));
        if (await Task.WhenAny(all, Task.Delay(Bound)) != all)
        {
            var pending = _offers.Where(offer => !offer.Accepted!.IsCompleted).Select(offer => $"offer#{offer.Item}");
            throw new TimeoutException($"Offers still pending {Bound.TotalSeconds} s after hung handlers were released: {string.Join(", ", pending)}.");
        }
    }

    private async Task HandlersReturnAsync()
    {
        var deadline = DateTime.UtcNow + Bound;
        while (_handler.Running != 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Handler calls still running {Bound.TotalSeconds} s after the final drain returned ({StillWaiting()}).");
            }

            await Task.Yield();
        }
    }

    private string StillWaiting() =>
        $"{_handler.Running} handler calls running; stop calls made from inside handlers not returned: [{string.Join(", ", _inside.Where(call => !call.Returned.IsCompleted))}]";

    private static async Task AllWithinAsync(IReadOnlyCollection<StopCall> calls, string when)
    {
        var all = Task.WhenAll(calls.Select(call => call.Returned));
        if (await Task.WhenAny(all, Task.Delay(Bound)) != all)
        {
            var pending = calls.Where(call => !call.Returned.IsCompleted);
            throw new TimeoutException($"Stop calls not answered within {Bound.TotalSeconds} s {when}: {string.Join(", ", pending)}.");
        }
    }

    private static async Task<T> WithinAsync<T>(Task<T> task, string what, Func<string>? state = null)
    {
        await WithinAsync((Task)task, what, state);
        return await task;
    }

    private static async Task WithinAsync(Task task, string what, Func<string>? state = null)
    {
        if (await Task.WhenAny(task, Task.Delay(Bound)) != task)
        {
            throw new TimeoutException($"Timed out after {Bound.TotalSeconds} s waiting for {what}{(state is null ? string.Empty : $" ({state()})")}.");
        }
    }

    private sealed class Offered(int item, int step, bool sync)
    {
        public int Item { get; } = item;

        public int Step { get; } = step;

        public bool Sync { get; } = sync;

        /// <summary>True when the offer completed without exception (the face took it, or a subscription face's bus did).</summary>
        public Task<bool>? Accepted { get; set; }

        /// <summary>A subscription's own stop was issued before the offer's synchronous part ended.</summary>
        public bool Ambiguous { get; set; }
    }

    private sealed class StopCall(StopPlan plan, int step, int insideItem, Task returned, Task<DrainResult>? result)
    {
        public StopPlan Plan { get; } = plan;

        /// <summary>Completes when the call returned.</summary>
        public Task Returned { get; } = returned;

        /// <summary>The drain's result, for a <c>CompleteAsync</c>.</summary>
        public Task<DrainResult>? Result { get; } = result;

        public override string ToString() => insideItem >= 0 ? $"{Plan} from inside offer#{insideItem}'s handler" : $"{Plan} at step {step}";
    }
}
