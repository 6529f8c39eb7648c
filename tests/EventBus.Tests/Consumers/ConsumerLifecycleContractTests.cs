using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Consumers;

/// <summary>How a test stops a consumer.</summary>
public enum StopPath
{
    /// <summary>The face's <c>Dispose</c>: a halt.</summary>
    Dispose,

    /// <summary>The face's <c>DisposeAsync</c>: a drain bounded by the drain timeout, which the test lets pass.</summary>
    DisposeAsync,

    /// <summary>The face's drain with a deadline the test cancels.</summary>
    CompleteWithDeadline,
}

/// <summary>
/// The lifecycle contract of the one consumer engine, which every face inherits: queued subscriptions
/// (one worker and four), inline subscriptions, and direct, partitioned and batched work queues. Every
/// stop path runs with the three kinds of handler (<see cref="HandlerKind"/>), and every test ends with the
/// counting check (<see cref="OutcomeAssertions"/>).
/// </summary>
public abstract class ConsumerLifecycleContractTests
{
    private const int Items = 6;

    protected abstract FaceKind Kind { get; }

    public static TheoryData<StopPath, HandlerKind> StopPathsAndHandlers
    {
        get
        {
            var data = new TheoryData<StopPath, HandlerKind>();
            foreach (var path in Enum.GetValues<StopPath>())
            {
                foreach (var kind in Enum.GetValues<HandlerKind>())
                {
                    data.Add(path, kind);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(StopPathsAndHandlers))]
    public async Task Every_stop_path_ends_with_each_item_counted_once_and_the_running_one_abandoned(StopPath path, HandlerKind kind)
    {
        await using var face = Create(kind);
        var offers = Offer(face, Items);
        await Wait.For(face.Handler.HeldStarted, "the held handler to start");

        await StopAsync(face, path);
        var atStop = face.Outcomes;
        atStop.ShouldBalance(Items);
        atStop.Abandoned.Should().BeGreaterThanOrEqualTo(1, "the held item's handler was still running");
        face.Drops.Count(d => (int)d.Event! == 0).Should().Be(1, "the held item is reported once, when the stop decides it");
        face.Drops.Single(d => (int)d.Event! == 0).Reason.Should().Be(DropReason.Abandoned);

        // Whatever the held handler does now, its item stays counted once.
        face.Handler.Release();
        await Wait.Until(() => face.Handler.Running == 0, "the held handler to return");
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        face.Outcomes.Should().Be(atStop, "a handler that returns after the stop changes nothing");
        face.ShouldBalanceInEngine(Items);
        face.Handler.StartsAfterStop.Should().Be(0, "no handler call starts after Dispose returned");
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task Dispose_during_a_drain_halts_it_at_once(HandlerKind kind)
    {
        await using var face = Create(kind);
        var offers = Offer(face, Items);
        await Wait.For(face.Handler.HeldStarted, "the held handler to start");
        var drain = face.CompleteAsync();
        drain.IsCompleted.Should().BeFalse("the held handler keeps the drain open");

        await Wait.For(Task.Run(face.Stop), "Dispose during the drain to return");
        face.Handler.StopReturned();
        var result = await Wait.For(drain, "the drain, halted by Dispose");

        result.Completed.Should().BeFalse();
        face.Outcomes.ShouldBalance(Items);
        face.Handler.Release();
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        face.Handler.StartsAfterStop.Should().Be(0);
        face.ShouldBalanceInEngine(Items);
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task A_request_with_a_deadline_bounds_a_drain_that_had_none(HandlerKind kind)
    {
        await using var face = Create(kind);
        var offers = Offer(face, Items);
        await Wait.For(face.Handler.HeldStarted, "the held handler to start");
        var unbounded = face.CompleteAsync();

        using var deadline = new CancellationTokenSource();
        var bounded = face.CompleteAsync(deadline.Token);
        bounded.IsCompleted.Should().BeFalse();
        await deadline.CancelAsync();

        var first = await Wait.For(bounded, "the bounded request, at its deadline");
        var second = await Wait.For(unbounded, "the unbounded request, ended by the other's deadline");
        first.Completed.Should().BeFalse();
        second.Completed.Should().BeFalse();
        face.Outcomes.ShouldBalance(Items);
        face.Handler.Release();
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        face.ShouldBalanceInEngine(Items);
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task DisposeAsync_bounds_a_drain_that_had_no_deadline(HandlerKind kind)
    {
        await using var face = Create(kind);
        var offers = Offer(face, Items);
        await Wait.For(face.Handler.HeldStarted, "the held handler to start");
        var unbounded = face.CompleteAsync();
        var dispose = face.StopAsync();

        await face.Time.WaitForTimerAsync(ConsumerFace.DrainTimeout);
        face.Time.Advance(ConsumerFace.DrainTimeout);
        await Wait.For(dispose, "DisposeAsync at its drain timeout");
        var result = await Wait.For(unbounded, "the unbounded drain, ended by DisposeAsync's timeout");

        result.Completed.Should().BeFalse();
        face.Outcomes.ShouldBalance(Items);
        face.Handler.Release();
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        face.ShouldBalanceInEngine(Items);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_handler_can_await_the_stop_of_its_own_consumer_with_items_still_waiting(bool disposeAsync)
    {
        var allOffered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var insideReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ProbeHandler(HandlerKind.WellBehaved, _ => false);
        await using var face = ConsumerFace.Create(Kind, handler);
        handler.Inside = async (item, _) =>
        {
            if (item != 0)
            {
                return;
            }

            await allOffered.Task;
            if (disposeAsync)
            {
                await face.StopAsync();
            }
            else
            {
                await face.CompleteAsync(CancellationToken.None);
            }

            insideReturned.TrySetResult();
        };

        var offers = Offer(face, Items);
        allOffered.TrySetResult();
        await Wait.For(insideReturned.Task, "the handler's request to stop its own consumer to return");

        var result = await Wait.For(face.CompleteAsync(), "the consumer to finish what it had accepted");
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        result.Completed.Should().BeTrue();
        result.Delivered.Should().Be(Items, "everything accepted before the stop is still delivered, after the handler returned");
        face.Outcomes.ShouldBalance(Items);
        face.ShouldBalanceInEngine(Items);
    }

    [Fact]
    public async Task An_item_whose_handler_returns_after_the_deadline_stays_abandoned()
    {
        await using var face = Create(HandlerKind.IgnoresToken);
        var offers = Offer(face, Items);
        await Wait.For(face.Handler.HeldStarted, "the held handler to start");
        using var deadline = new CancellationTokenSource();
        var drain = face.CompleteAsync(deadline.Token);
        await deadline.CancelAsync();
        var result = await Wait.For(drain, "the drain at its deadline");

        face.Handler.Release();
        await Wait.Until(() => face.Handler.Finished.Contains(0), "the held handler to finish its item after the deadline");
        await Wait.For(Task.WhenAll(offers), "every offer to complete");
        var outcomes = face.Outcomes;
        outcomes.Delivered.Should().Be(result.Delivered, "finishing late does not make the abandoned item delivered as well");
        outcomes.Abandoned.Should().Be(result.Abandoned);
        outcomes.ShouldBalance(Items);
        face.ShouldBalanceInEngine(Items);
    }

    [Fact]
    public async Task Offers_racing_with_a_drain_are_delivered_or_refused_and_never_abandoned()
    {
        await using var face = Create(HandlerKind.WellBehaved, holds: _ => false);
        long accepted = 0;
        var refused = 0;
        var offered = new Countdown(400);
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    await face.OfferAsync((p * 1_000_000) + i);
                    Interlocked.Increment(ref accepted);
                    offered.Signal();
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();

        await offered.WaitAsync("some offers before the drain");
        var result = await Wait.For(face.CompleteAsync(), "the drain");
        await Wait.For(Task.WhenAll(producers), "every producer to be refused");

        refused.Should().Be(4, "each producer is refused once the drain has begun");
        result.Completed.Should().BeTrue();
        result.Abandoned.Should().Be(0, "a graceful drain finishes everything it accepted");
        result.Delivered.Should().Be(Interlocked.Read(ref accepted));
        face.Outcomes.ShouldBalance(Interlocked.Read(ref accepted));
        face.ShouldBalanceInEngine(Interlocked.Read(ref accepted));
    }

    [Fact]
    public async Task Offers_after_a_drain_fault_their_task_instead_of_throwing()
    {
        await using var face = Create(HandlerKind.WellBehaved, holds: _ => false);
        await face.CompleteAsync();

        var offer = face.OfferAsync(1).AsTask();
        offer.IsFaulted.Should().BeTrue("an operational failure is reported through the returned task, as ChannelWriter.WriteAsync does");
        await offer.Invoking(o => o).Should().ThrowAsync<ObjectDisposedException>();
    }

    private ConsumerFace Create(HandlerKind kind, Func<int, bool>? holds = null) =>
        ConsumerFace.Create(Kind, new ProbeHandler(kind, holds ?? (item => item == 0)));

    /// <summary>Offers items 0 to count - 1 without waiting for each offer (an inline face's offer waits
    /// for its held handler), and returns the offers.</summary>
    private static Task[] Offer(ConsumerFace face, int count)
    {
        var offers = new Task[count];
        for (var i = 0; i < count; i++)
        {
            offers[i] = face.OfferAsync(i).AsTask();
        }

        return offers;
    }

    private static async Task StopAsync(ConsumerFace face, StopPath path)
    {
        switch (path)
        {
            case StopPath.Dispose:
                await Wait.For(Task.Run(face.Stop), "Dispose to return");
                face.Handler.StopReturned();
                break;
            case StopPath.DisposeAsync:
                var dispose = face.StopAsync();
                await face.Time.WaitForTimerAsync(ConsumerFace.DrainTimeout);
                face.Time.Advance(ConsumerFace.DrainTimeout);
                await Wait.For(dispose, "DisposeAsync at its drain timeout");
                break;
            default:
                using (var deadline = new CancellationTokenSource())
                {
                    var drain = face.CompleteAsync(deadline.Token);
                    drain.IsCompleted.Should().BeFalse("the held handler keeps the drain open");
                    await deadline.CancelAsync();
                    var result = await Wait.For(drain, "the drain at its deadline");
                    result.Completed.Should().BeFalse();
                }

                break;
        }
    }
}

public sealed class QueuedSubscriptionLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.QueuedSubscription;
}

public sealed class ParallelSubscriptionLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.ParallelSubscription;
}

public sealed class InlineSubscriptionLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.InlineSubscription;
}

public sealed class DirectQueueLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.DirectQueue;
}

public sealed class PartitionedQueueLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.PartitionedQueue;
}

public sealed class BatchedQueueLifecycleTests : ConsumerLifecycleContractTests
{
    protected override FaceKind Kind => FaceKind.BatchedQueue;
}
