using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

/// <summary>Operational failures reach producers through the returned task, as <c>ChannelWriter.WriteAsync</c> does.</summary>
public sealed class WorkQueueFailureReportingTests
{
    [Fact]
    public async Task A_Fail_mode_refusal_faults_the_task_so_every_item_of_a_batch_of_enqueues_is_offered()
    {
        var handler = new ProbeHandler(HandlerKind.WellBehaved, item => item == 0);
        var queue = WorkQueue.Create<int>(handler.HandleAsync, new WorkQueueOptions<int> { WorkerCount = 1, Capacity = 2, FullMode = BufferFullMode.Fail });
        await queue.EnqueueAsync(0);
        await Wait.For(handler.HeldStarted, "the worker to hold item 0");

        // Nothing throws while the tasks are made: each refusal is in its own task.
        var enqueues = Enumerable.Range(1, 10).Select(i => queue.EnqueueAsync(i).AsTask()).ToArray();
        var all = Task.WhenAll(enqueues);
        await all.Invoking(t => t).Should().ThrowAsync<EventBusFullException>();

        enqueues.Count(t => t.IsCompletedSuccessfully).Should().Be(2, "the buffer holds two");
        enqueues.Count(t => t.IsFaulted && t.Exception!.InnerException is EventBusFullException).Should().Be(8);
        handler.Release();
        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        result.Delivered.Should().Be(3);
        result.Dropped.Should().Be(8, "each refusal is counted and reported as rejected");
        queue.GetStatistics().ShouldBalance(11);
    }

    [Fact]
    public void Argument_errors_stay_synchronous()
    {
        var queue = WorkQueue.Create<Ping>(_ => { });
        var enqueue = () => queue.EnqueueAsync(null!);
        enqueue.Should().Throw<ArgumentNullException>("a bad argument is the caller's bug, reported at the call");
        queue.Dispose();
    }

    [Fact]
    public async Task A_publish_refused_by_one_subscription_and_then_cancelled_on_another_still_reports_the_refusal()
    {
        await using var bus = EventBusFactory.Create();
        var held = new ProbeHandler(HandlerKind.IgnoresToken, _ => true);
        var alsoHeld = new ProbeHandler(HandlerKind.IgnoresToken, _ => true);
        bus.Subscribe<int>(held.HandleAsync, new SubscriptionOptions { Name = "strict", Capacity = 1, FullMode = BufferFullMode.Fail });
        bus.Subscribe<int>(alsoHeld.HandleAsync, new SubscriptionOptions { Name = "patient", Capacity = 1 });

        // One event in each handler, one in each buffer: both are full now.
        await bus.PublishAsync(1);
        await Wait.For(Task.WhenAll(held.HeldStarted, alsoHeld.HeldStarted), "both handlers to hold their event");
        await bus.PublishAsync(2);

        using var cancel = new CancellationTokenSource();
        var publish = bus.PublishAsync(3, cancel.Token).AsTask();
        publish.IsCompleted.Should().BeFalse("'patient' makes the publisher wait for space");
        await cancel.CancelAsync();

        var refusal = (await publish.Invoking(p => p).Should().ThrowAsync<EventBusFullException>("the refusal wins over the cancelled wait")).Which;
        refusal.Subscriptions.Should().Equal(["strict"]);
        refusal.InnerException.Should().BeAssignableTo<OperationCanceledException>("the cancellation travels with it");
        held.Release();
        alsoHeld.Release();
    }
}
