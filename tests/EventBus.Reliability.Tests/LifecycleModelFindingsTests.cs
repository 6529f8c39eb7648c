using EventBus.Tests.Consumers;

namespace EventBus.Reliability.Tests;

/// <summary>
/// Scenario 23's findings: histories the sample (<see cref="LifecycleModelTests"/>) found failing, shrunk by
/// hand and replayed through the same run and checks. A class of its own, so xunit runs it beside the sample.
/// </summary>
public sealed class LifecycleModelFindingsTests(ITestOutputHelper output)
{
    /// <summary>Histories the sample found failing, shrunk by hand and pinned (where the order matters) with
    /// <see cref="AwaitInsideStep"/>, replayed on every run so a fix can be seen to hold.</summary>
    public static TheoryData<string> Findings => [.. s_foundHistories.Keys];

    [Theory]
    [MemberData(nameof(Findings))]
    public async Task Scenario23_histories_the_model_found_keep_every_lifecycle_promise(string finding)
    {
        var history = s_foundHistories[finding];
        output.WriteLine(history.ToString());
        await LifecycleModelTests.RunOnceAsync(history, new LifecycleModelTests.Tally());
    }

    private static readonly Dictionary<string, LifecycleHistory> s_foundHistories = new()
    {
        ["two handlers await their queue's CompleteAsync"] = new(
            FaceKind.DirectQueue,
            [Offer(ItemBehaviour.Succeeds, inside: StopRequest.Complete), Offer(ItemBehaviour.Succeeds, inside: StopRequest.Complete)]),
        ["two handlers await their bus's CompleteAsync"] = new(
            FaceKind.ParallelSubscription,
            [Offer(ItemBehaviour.Succeeds, inside: StopRequest.Complete), Offer(ItemBehaviour.Succeeds, inside: StopRequest.Complete)]),
        ["a queue handler disposes its queue, then ignores its token, past a caller's deadline"] = new(
            FaceKind.DirectQueue,
            [Offer(ItemBehaviour.Hangs, HandlerKind.IgnoresToken, StopRequest.Dispose), new AwaitInsideStep(0),
                new StopStep(new StopPlan(StopRequest.CompleteWithDeadline, 0)), new FireDeadlineStep(0)]),
        ["a subscription handler disposes its subscription, then ignores its token, past a caller's deadline"] = new(
            FaceKind.QueuedSubscription,
            [Offer(ItemBehaviour.Hangs, HandlerKind.IgnoresToken, StopRequest.Dispose), new AwaitInsideStep(0),
                new StopStep(new StopPlan(StopRequest.CompleteWithDeadline, 0)), new FireDeadlineStep(0)]),
        ["a batch handler awaits its queue's CompleteAsync while a split batch finishes"] = new(
            FaceKind.BatchedQueue,
            [Offer(ItemBehaviour.FailsOnce, sync: true), Offer(ItemBehaviour.AlwaysFails, sync: true),
                Offer(ItemBehaviour.FailsOnce, inside: StopRequest.Complete, sync: true), Offer(ItemBehaviour.FailsOnce, sync: true)]),
        ["a queue handler awaits a drain with a deadline, fails for good, while the queue's DisposeAsync drains"] = new(
            FaceKind.DirectQueue,
            [Offer(ItemBehaviour.Succeeds, sync: true), Offer(ItemBehaviour.AlwaysFails, inside: StopRequest.CompleteWithDeadline, sync: true),
                new StopStep(new StopPlan(StopRequest.DisposeAsync, 0)), new ReleaseStep(),
                Offer(ItemBehaviour.Hangs, HandlerKind.ResumesInline, sync: true), new ReleaseStep()]),
    };

    private static OfferStep Offer(ItemBehaviour behaviour, HandlerKind kind = HandlerKind.WellBehaved, StopRequest? inside = null, bool sync = false) =>
        new(sync, new ItemPlan(behaviour, kind, inside is { } request ? new StopPlan(request, 0) : null));
}
