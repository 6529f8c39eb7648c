using System.Collections.Concurrent;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Queue;

/// <summary>How a test stops a durable queue.</summary>
public enum StopPath
{
    /// <summary><c>Dispose</c>: a halt.</summary>
    Dispose,

    /// <summary><c>DisposeAsync</c>: a drain bounded by the drain timeout, which the test lets pass on the fake clock.</summary>
    DisposeAsync,

    /// <summary><c>CompleteAsync</c> with a deadline the test cancels.</summary>
    CompleteWithDeadline,
}

/// <summary>
/// Every stop path of the durable queue, with the three kinds of handler (<see cref="HandlerKind"/>): the engine's
/// contract (each accepted item counted once, the running one abandoned and reported once, nothing started after a
/// Dispose), and the file's: nothing is lost, an item no handler had goes back unflagged, an item a handler had keeps
/// its lease and comes back flagged as redelivered at the next start.
/// </summary>
public sealed class DurableStopTests : IDisposable
{
    private const int Items = 6;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(2);
    private readonly TempDatabase _db = new();
    private readonly ConcurrentQueue<DroppedEvent> _drops = new();

    /// <summary>Every stop path with every kind of handler, with one worker (the items behind the held one wait in the
    /// buffer: no handler had them) and with two (the others are delivered around it).</summary>
    public static TheoryData<StopPath, HandlerKind, int> StopPathsAndHandlers
    {
        get
        {
            var data = new TheoryData<StopPath, HandlerKind, int>();
            foreach (var path in Enum.GetValues<StopPath>())
            {
                foreach (var kind in Enum.GetValues<HandlerKind>())
                {
                    data.Add(path, kind, 1);
                    data.Add(path, kind, 2);
                }
            }

            return data;
        }
    }

    public void Dispose() => _db.Dispose();

    [Theory]
    [MemberData(nameof(StopPathsAndHandlers))]
    public async Task Every_stop_path_counts_each_item_once_and_leaves_the_unfinished_ones_in_the_file(StopPath path, HandlerKind kind, int workers)
    {
        var handler = new ProbeHandler(kind, item => item == 0);
        var queue = Create(handler, workers);
        await EnqueueAndWaitForTheHeldItemAsync(queue, handler);

        await StopAsync(queue, handler, path);
        var atStop = Outcomes.Of(queue.GetStatistics());
        atStop.ShouldBalance(Items);
        atStop.Abandoned.Should().BeGreaterThanOrEqualTo(1, "the held item's handler was still running");
        _drops.Count(d => (int)d.Event! == 0).Should().Be(1, "the held item is reported once, when the stop decides it");
        _drops.Single(d => (int)d.Event! == 0).Reason.Should().Be(DropReason.Abandoned);

        handler.Release();
        await Wait.Until(() => handler.Running == 0, "the held handler to return");
        Outcomes.Of(queue.GetStatistics()).Should().Be(atStop, "a handler that returns after the stop changes nothing");
        queue.Consumer.Accepted.Should().Be(Items);
        queue.Consumer.Outstanding().Should().Be(0);
        handler.StartsAfterStop.Should().Be(0, "no handler call starts after Dispose returned");
        if (workers == 1)
        {
            atStop.Abandoned.Should().Be(Items, "with one worker the items behind the held one never left the buffer");
        }

        queue.Dispose();

        await ShouldComeBackAfterARestartAsync(handler, atStop);
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task Dispose_during_a_drain_halts_it_at_once(HandlerKind kind)
    {
        var handler = new ProbeHandler(kind, item => item == 0);
        var queue = Create(handler);
        await EnqueueAndWaitForTheHeldItemAsync(queue, handler);
        var drain = queue.CompleteAsync();
        drain.IsCompleted.Should().BeFalse("the held handler keeps the drain open");

        await Wait.For(Task.Run(queue.Dispose), "Dispose during the drain to return");
        handler.StopReturned();
        var result = await Wait.For(drain, "the drain, halted by Dispose");

        result.Completed.Should().BeFalse();
        result.AbandonedItems.Should().Contain(0);
        Outcomes.Of(result).ShouldBalance(Items);
        handler.Release();
        handler.StartsAfterStop.Should().Be(0);
        await ShouldComeBackAfterARestartAsync(handler, Outcomes.Of(result));
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task A_request_with_a_deadline_bounds_a_drain_that_had_none(HandlerKind kind)
    {
        var handler = new ProbeHandler(kind, item => item == 0);
        var queue = Create(handler);
        await EnqueueAndWaitForTheHeldItemAsync(queue, handler);
        var unbounded = queue.CompleteAsync();

        using var deadline = new CancellationTokenSource();
        var bounded = queue.CompleteAsync(deadline.Token);
        bounded.IsCompleted.Should().BeFalse();
        await deadline.CancelAsync();

        var first = await Wait.For(bounded, "the bounded request, at its deadline");
        var second = await Wait.For(unbounded, "the unbounded request, ended by the other's deadline");
        first.Completed.Should().BeFalse();
        second.Completed.Should().BeFalse();
        Outcomes.Of(first).ShouldBalance(Items);
        handler.Release();
        await Wait.Until(() => handler.Running == 0, "the held handler to return");
        await queue.DisposeAsync();
        await ShouldComeBackAfterARestartAsync(handler, Outcomes.Of(first));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_handler_can_await_the_stop_of_its_own_queue_with_items_still_waiting(bool disposeAsync)
    {
        var allEnqueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var insideReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ProbeHandler(HandlerKind.WellBehaved, _ => false);
        var queue = Create(handler);
        handler.Inside = async (item, _) =>
        {
            if (item != 0)
            {
                return;
            }

            await allEnqueued.Task;
            if (disposeAsync)
            {
                await queue.DisposeAsync();
            }
            else
            {
                await queue.CompleteAsync(CancellationToken.None);
            }

            insideReturned.TrySetResult();
        };

        await EnqueueAsync(queue);
        await Wait.Until(() => queue.Consumer.Accepted == Items, "the feeder to offer every item");
        allEnqueued.TrySetResult();
        await Wait.For(insideReturned.Task, "the handler's request to stop its own queue to return");

        var result = await Wait.For(queue.CompleteAsync(), "the queue to finish what it had accepted");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(Items, "everything accepted before the stop is still delivered, after the handler returned");
        await Wait.For(queue.DisposeAsync(), "the file to close, the handler's own deferred close included");
        _db.IntRows().Should().BeEmpty("every outcome, the calling handler's own included, was written before the file closed");
    }

    [Fact]
    public async Task An_item_whose_handler_returns_after_the_deadline_stays_abandoned_and_keeps_its_lease()
    {
        var handler = new ProbeHandler(HandlerKind.IgnoresToken, item => item == 0);
        var queue = Create(handler);
        await EnqueueAndWaitForTheHeldItemAsync(queue, handler);
        using var deadline = new CancellationTokenSource();
        var drain = queue.CompleteAsync(deadline.Token);
        await deadline.CancelAsync();
        var result = await Wait.For(drain, "the drain at its deadline");

        handler.Release();
        await Wait.Until(() => handler.Finished.Contains(0), "the held handler to finish its item after the deadline");
        var outcomes = Outcomes.Of(queue.GetStatistics());
        outcomes.Delivered.Should().Be(result.Delivered, "finishing late does not make the abandoned item delivered as well");
        outcomes.ShouldBalance(Items);
        await queue.DisposeAsync();
        _db.IntRows().Should().Contain((0, true), "its outcome was never written: the row keeps its lease, for a flagged redelivery");
    }

    [Fact]
    public async Task Enqueues_racing_with_a_drain_are_refused_or_stored_and_none_is_lost()
    {
        var handled = new ConcurrentDictionary<int, int>();
        var queue = SqliteWorkQueue.Create<int>(
            item => handled.AddOrUpdate(item, 1, static (_, n) => n + 1),
            _db.Ints(),
            Options(workers: 2));
        var stored = new ConcurrentBag<int>();
        var refused = 0;
        var enqueued = new Countdown(200);
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var item = (p * 1_000_000) + i;
                try
                {
                    await queue.EnqueueAsync(item);
                    stored.Add(item);
                    enqueued.Signal();
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();

        await enqueued.WaitAsync("some enqueues before the drain");
        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        await Wait.For(Task.WhenAll(producers), "every producer to be refused");
        await queue.DisposeAsync();

        refused.Should().Be(4, "each producer is refused once the drain has begun");
        result.Completed.Should().BeTrue();
        result.Abandoned.Should().Be(0, "a graceful drain finishes everything the workers took");
        result.Delivered.Should().Be(handled.Count);
        handled.Values.Should().OnlyContain(n => n == 1);
        var left = _db.IntRows();
        left.Should().OnlyContain(r => !r.Leased, "what the drain did not take waits in the file, not leased");
        handled.Keys.Concat(left.Select(r => r.Number)).Should().BeEquivalentTo(stored, "every enqueue that returned was handled or is still in the file");
    }

    private WorkQueueOptions<int> Options(int workers = 2) =>
        _db.QueueOptions<int>(workers, capacity: 16, shared: o =>
        {
            o.DrainTimeout = s_drainTimeout;
            o.OnDropped = _drops.Enqueue;
        });

    private SqliteWorkQueue<int> Create(ProbeHandler handler, int workers = 2) =>
        SqliteWorkQueue.Create<int>(handler.HandleAsync, _db.Ints(), Options(workers));

    private static async Task EnqueueAsync(SqliteWorkQueue<int> queue)
    {
        for (var i = 0; i < Items; i++)
        {
            await queue.EnqueueAsync(i);
        }
    }

    /// <summary>Enqueues items 0 to 5 (item 0 is held), and waits until its handler runs and the engine has taken every item.</summary>
    private static async Task EnqueueAndWaitForTheHeldItemAsync(SqliteWorkQueue<int> queue, ProbeHandler handler)
    {
        await EnqueueAsync(queue);
        await Wait.For(handler.HeldStarted, "the held handler to start");
        await Wait.Until(() => queue.Consumer.Accepted == Items, "the feeder to offer every item to the engine");
    }

    private async Task StopAsync(SqliteWorkQueue<int> queue, ProbeHandler handler, StopPath path)
    {
        switch (path)
        {
            case StopPath.Dispose:
                await Wait.For(Task.Run(queue.Dispose), "Dispose to return");
                handler.StopReturned();
                break;
            case StopPath.DisposeAsync:
                var dispose = queue.DisposeAsync();
                await _db.Time.WaitForTimerAsync(s_drainTimeout);
                _db.Time.Advance(s_drainTimeout);
                await Wait.For(dispose, "DisposeAsync at its drain timeout");
                break;
            default:
                using (var deadline = new CancellationTokenSource())
                {
                    var drain = queue.CompleteAsync(deadline.Token);
                    drain.IsCompleted.Should().BeFalse("the held handler keeps the drain open");
                    await deadline.CancelAsync();
                    var result = await Wait.For(drain, "the drain at its deadline");
                    result.Completed.Should().BeFalse();
                    result.AbandonedItems.Should().Contain(0);
                }

                break;
        }
    }

    /// <summary>
    /// The file after the stop holds exactly the items that were not delivered: the ones a handler had keep their lease,
    /// the others are back, unleased. A new queue on the file hands out exactly those, the first flagged as redelivered.
    /// </summary>
    private async Task ShouldComeBackAfterARestartAsync(ProbeHandler first, Outcomes atStop)
    {
        var rows = _db.IntRows();
        rows.Should().HaveCount((int)atStop.Abandoned, "the items given up at the stop are still in the file, and only they");
        rows.Should().Contain((0, true), "the held item's handler ran: its row keeps its lease");
        foreach (var (number, leased) in rows)
        {
            leased.Should().Be(first.Started.Contains(number), $"item {number} keeps its lease exactly when a handler was called with it");
        }

        var redelivered = new ConcurrentDictionary<int, bool>();
        var all = new Countdown(rows.Count);
        await using (var restarted = SqliteWorkQueue.Create<int>(
            (item, context) =>
            {
                redelivered[item] = context.Redelivered;
                all.Signal();
            },
            _db.Ints(),
            Options()))
        {
            await all.WaitAsync("the items left in the file, after the restart");
            (await restarted.CompleteAsync()).Delivered.Should().Be(rows.Count);
        }

        redelivered.Should().BeEquivalentTo(rows.ToDictionary(r => r.Number, r => r.Leased), "a row that kept its lease comes back flagged, the others do not");
        _db.IntRows().Should().BeEmpty();
    }
}
