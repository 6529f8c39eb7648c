using EventBus.Samples.Scenes.Durability;

namespace EventBus.Samples.Tests;

/// <summary>
/// The durability scene starts the demo program as a worker process twice (it is killed the first time), so it runs
/// once for the whole class and every test reads that run's result.
/// </summary>
public sealed class DurabilitySceneTests(DurabilitySceneTests.Run run) : IClassFixture<DurabilitySceneTests.Run>
{
    private static readonly int[] s_all = [.. ShippingPlan.Orders.Select(static o => o.Number)];
    private static readonly int[] s_unfinishedAtKill = [5, 6, 7, 8, 9, 10];
    private static readonly int[] s_leasedAtKill = [5, 6, 7, 8];

    private DurabilityResult Result => run.Result;

    [Fact]
    public void Every_acknowledged_order_is_shipped_exactly_once_across_the_kill_and_the_restart()
    {
        Result.Acknowledged.Should().Equal(s_all, "the worker enqueued every order and each enqueue returned before the kill");
        Result.Lost.Should().BeEmpty();
        Result.ShippedExactlyOnce.Should().BeTrue();
        Result.FileAfterDrain.Should().BeEmpty("the restart drained the queue: no row is left");
        Result.RestartExitCode.Should().Be(0);
        Result.ProcessedAfterRestart.Should().Be(s_unfinishedAtKill.Length);
        run.Output.Should().Contain("acknowledged orders never shipped").And.Contain("Knowledge check");
    }

    [Fact]
    public void The_kill_meets_the_planned_state_two_handlers_hung_a_full_buffer_and_two_rows_never_taken()
    {
        Result.FirstRun.Where(static c => c.Finished).Select(static c => c.Order).Should().BeEquivalentTo([1, 2, 3, 4]);
        var afterShipping = Result.FirstRun.Should().ContainSingle(static c => c.Order == ShippingPlan.StuckAfterShipping).Subject;
        afterShipping.Should().Match<HandlerCall>(static c => c.Shipped && c.Hung && !c.Finished);
        var beforeShipping = Result.FirstRun.Should().ContainSingle(static c => c.Order == ShippingPlan.StuckBeforeShipping).Subject;
        beforeShipping.Should().Match<HandlerCall>(static c => !c.Shipped && c.Hung && !c.Finished);
        Result.FirstRun.Should().NotContain(static c => c.Order > ShippingPlan.StuckBeforeShipping, "both workers were stuck");

        Result.FileAtKill.Select(static r => r.Order).Should().Equal(s_unfinishedAtKill);
        Result.FileAtKill.Where(static r => r.Leased).Select(static r => r.Order).Should().Equal(s_leasedAtKill);
        Result.FileAtKill.Should().OnlyContain(static r => r.Attempts == 0 && r.Redeliveries == 0);
        Result.KilledExitCode.Should().NotBe(0, "the process was killed, not stopped");
        Result.FileAfterKill.Should().Equal(Result.FileAtKill, "a kill runs nothing in the process, so the file stays as it was");
    }

    [Fact]
    public void Items_the_dead_process_had_taken_come_back_flagged_and_items_still_in_the_file_do_not()
    {
        Result.SecondRun.Select(static c => c.Order).Should().BeEquivalentTo(s_unfinishedAtKill);
        Result.Redelivered.Should().BeEquivalentTo(s_leasedAtKill);
        Result.Fresh.Should().BeEquivalentTo([9, 10]);
        Result.Redelivered.Should().HaveCountLessThanOrEqualTo(ShippingPlan.MostInFlight);
        Result.SecondRun.Should().OnlyContain(static c => c.Attempt == 1, "no attempt failed: a crash is not a failed attempt");

        // The message id the handler is given is the row's, the same before and after the crash.
        foreach (var call in Result.SecondRun)
        {
            call.MessageId.Should().Be(Result.FileAtKill.Single(r => r.Order == call.Order).MessageId);
        }

        foreach (var order in new[] { ShippingPlan.StuckAfterShipping, ShippingPlan.StuckBeforeShipping })
        {
            Result.CallsOf(order).Select(static c => c.MessageId).Distinct().Should().ContainSingle();
        }
    }

    [Fact]
    public void The_order_shipped_just_before_the_kill_is_caught_by_the_ledger_and_not_shipped_again()
    {
        var calls = Result.CallsOf(ShippingPlan.StuckAfterShipping);
        calls.Should().HaveCount(2, "its handler ran before the kill and again after the restart");
        calls[1].Should().Match<HandlerCall>(static c => c.Run == 2 && c.Redelivered && c.Skipped && !c.Shipped && c.Finished);
        Result.Shipments.Should().ContainSingle(static s => s.Order == ShippingPlan.StuckAfterShipping).Which.Run.Should().Be(1);

        Result.CallsOf(ShippingPlan.StuckBeforeShipping)[^1].Should().Match<HandlerCall>(static c => c.Redelivered && c.Shipped && !c.Skipped);
        Result.Shipments.Should().ContainSingle(static s => s.Order == ShippingPlan.StuckBeforeShipping).Which.Run.Should().Be(2);
        Result.SecondRun.Where(static c => c.Skipped).Select(static c => c.Order).Should().Equal(ShippingPlan.StuckAfterShipping);
    }

    /// <summary>One run of the scene, shared by the class's tests.</summary>
    public sealed class Run : IAsyncLifetime
    {
        internal DurabilityResult Result { get; private set; } = null!;

        internal string Output { get; private set; } = string.Empty;

        public async Task InitializeAsync() => (Result, Output) = await SceneHarness.RunAsync(new DurabilityScene());

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
