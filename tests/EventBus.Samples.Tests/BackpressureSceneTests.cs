using EventBus.Samples.Infrastructure;
using EventBus.Samples.Scenes.Backpressure;
using EventBus.Tests.TestUtilities;
using Spectre.Console.Testing;

namespace EventBus.Samples.Tests;

public sealed class BackpressureSceneTests
{
    private const int Burst = BackpressureScene.Burst;

    [Fact]
    public async Task Wait_holds_the_producer_back_and_loses_nothing()
    {
        var (result, _) = await SceneHarness.RunAsync(new BackpressureScene());

        var wait = result[BufferFullMode.Wait];
        wait.HeldBack.Should().BeGreaterThan(0, "the consumer is stuck until the producer hits the full buffer");
        wait.Drops.Should().BeEmpty();
        wait.PublishExceptions.Should().Be(0);
        wait.Handled.Should().Equal(Enumerable.Range(1, Burst), "every reading, in order");
        wait.Statistics.Dropped.Should().Be(0);
        wait.Statistics.Delivered.Should().Be(Burst);
    }

    [Theory]
    [InlineData(BufferFullMode.DropOldest, DropReason.DroppedOldest)]
    [InlineData(BufferFullMode.DropNewest, DropReason.DroppedNewest)]
    [InlineData(BufferFullMode.DropWrite, DropReason.DroppedWrite)]
    public async Task A_drop_mode_never_blocks_and_every_reading_is_either_handled_or_reported_dropped(BufferFullMode mode, DropReason reason)
    {
        var (result, _) = await SceneHarness.RunAsync(new BackpressureScene());

        var outcome = result[mode];
        outcome.HeldBack.Should().Be(0);
        outcome.PublishExceptions.Should().Be(0);
        (outcome.Handled.Count + outcome.Drops.Count).Should().Be(Burst, "dropped + delivered == published");
        outcome.Drops.Should().OnlyContain(d => d.Reason == reason && d.Source == SlowConsumer.Name);
        outcome.Drops.Count.Should().BeGreaterThanOrEqualTo(Burst - BackpressureScene.Capacity - 1, "the consumer holds at most one reading outside the buffer");
        outcome.Statistics.Dropped.Should().Be(outcome.Drops.Count, "OnDropped and the counters agree");
        outcome.Statistics.Delivered.Should().Be(outcome.Handled.Count);
        outcome.Handled.Concat(outcome.Drops.Select(d => ((Reading)d.Event!).Sequence))
            .Should().BeEquivalentTo(Enumerable.Range(1, Burst), "nothing vanished and nothing was counted twice");
    }

    [Fact]
    public async Task Each_drop_mode_keeps_the_readings_its_name_promises()
    {
        var (result, _) = await SceneHarness.RunAsync(new BackpressureScene());

        result[BufferFullMode.DropOldest].Handled.Should().Contain(Enumerable.Range(Burst - BackpressureScene.Capacity + 1, BackpressureScene.Capacity),
            "the newest readings push the old ones out");
        result[BufferFullMode.DropNewest].Handled.Should().Contain(Enumerable.Range(1, BackpressureScene.Capacity - 1))
            .And.Contain(Burst, "each new reading replaces the newest buffered one, so the last one gets in");
        result[BufferFullMode.DropWrite].Handled.Should().Contain(Enumerable.Range(1, BackpressureScene.Capacity), "a full buffer refuses newcomers");
    }

    [Fact]
    public async Task Fail_throws_once_per_rejected_reading_and_reports_each_rejection()
    {
        var (result, _) = await SceneHarness.RunAsync(new BackpressureScene());

        var fail = result[BufferFullMode.Fail];
        fail.PublishExceptions.Should().BeGreaterThan(0);
        fail.Drops.Should().HaveCount(fail.PublishExceptions, "rejections == exceptions");
        fail.Drops.Should().OnlyContain(d => d.Reason == DropReason.Rejected);
        (fail.Handled.Count + fail.PublishExceptions).Should().Be(Burst);
        fail.Handled.Should().Contain(Enumerable.Range(1, BackpressureScene.Capacity));
        fail.HeldBack.Should().Be(0);
    }

    [Fact]
    public async Task On_an_interactive_console_the_live_progress_runs_to_the_same_outcome()
    {
        using var console = new TestConsole().Width(120).Interactive();
        var result = await Wait.For(new BackpressureScene().RunAsync(new SceneContext(console, ScenePace.Instant)), "the live run");

        result[BufferFullMode.Wait].Handled.Should().HaveCount(Burst);
        result[BufferFullMode.DropOldest].Drops.Should().NotBeEmpty();
        console.Output.Should().Contain("dashboard");
    }

    [Theory]
    [InlineData(new int[0], "")]
    [InlineData(new[] { 5 }, "5")]
    [InlineData(new[] { 1, 2, 3, 4, 9, 10, 12 }, "1-4, 9-10, 12")]
    public void Ranges_compress_runs_of_numbers(int[] values, string expected) =>
        BackpressureScene.Ranges(values).Should().Be(expected);
}
