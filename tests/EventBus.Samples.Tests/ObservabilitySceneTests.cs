using EventBus.Samples.Scenes.Observability;

namespace EventBus.Samples.Tests;

public sealed class ObservabilitySceneTests
{
    [Fact]
    public async Task Every_signal_reports_the_same_counts()
    {
        var (result, output) = await SceneHarness.RunAsync(new ObservabilityScene());

        result.SignalsAgree.Should().BeTrue();
        ObservabilityScene.Reconcile(result.Report).Should().OnlyContain(r => r.Agrees);
        var report = result.Report;
        report.Drain.Completed.Should().BeTrue();
        report.Drain.Delivered.Should().Be(report.CountedDelivered);
        report.Drain.DeadLettered.Should().Be(1).And.Be(report.DeadLetters.Count);
        report.Drain.Dropped.Should().Be(report.Drops.Count).And.Be(report.CountedDrops);
        report.Errors.Should().HaveCount(3, "one transient failure, and two attempts at the permanent one");
        output.Should().Contain("Do the signals agree?").And.NotContain("NO");
    }

    [Fact]
    public async Task The_transient_failure_is_retried_to_success_and_the_permanent_one_is_dead_lettered()
    {
        var (result, _) = await SceneHarness.RunAsync(new ObservabilityScene());
        var report = result.Report;

        Statistics(report, LoyaltyPoints.Name).Should().Be(new SubscriptionStatistics(10, 1, 1, 0, 0, 0));
        Statistics(report, FraudCheck.Name).Should().Be(new SubscriptionStatistics(9, 2, 1, 1, 0, 0));
        Statistics(report, ReceiptPrinter.Name).Should().Be(new SubscriptionStatistics(10, 0, 0, 0, 0, 0));

        var letter = report.DeadLetters.Should().ContainSingle().Subject;
        letter.Source.Should().Be(FraudCheck.Name);
        letter.Message.Should().BeOfType<CheckoutCompleted>().Which.Number.Should().Be(CheckoutScript.PermanentFailureAt);
        letter.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task The_ticker_drops_the_oldest_checkouts_and_keeps_the_newest()
    {
        var (result, _) = await SceneHarness.RunAsync(new ObservabilityScene());
        var ticker = Statistics(result.Report, LiveTicker.Name);

        (ticker.Delivered + ticker.Dropped).Should().Be(CheckoutScript.Checkouts);
        ticker.Dropped.Should().BeGreaterThanOrEqualTo(CheckoutScript.Checkouts - CheckoutScript.TickerCapacity - 1);
        result.Report.Drops.Should().OnlyContain(d => d.Source == LiveTicker.Name && d.Reason == DropReason.DroppedOldest);
        result.Report.Drops.Select(d => ((CheckoutCompleted)d.Event!).Number).Should().NotContain([9, 10], "the newest stay in the buffer");
    }

    [Fact]
    public async Task The_logs_name_events_by_id_and_never_contain_a_payload()
    {
        var (result, _) = await SceneHarness.RunAsync(new ObservabilityScene());

        result.Report.Logs.Should().NotBeEmpty();
        result.Report.LogsNamed("DeadLettered").Should().Be(1);
        result.Report.Logs.Should().NotContain(l => l.Message.Contains("Amount", StringComparison.Ordinal));
        var deadLetterId = result.Report.DeadLetters[0].Context!.Id.ToString();
        result.Report.Logs.Should().Contain(l => l.EventId.Name == "DeadLettered" && l.Message.Contains(deadLetterId));
    }

    [Theory]
    [InlineData(1L, 1L, null, true)]
    [InlineData(1L, 2L, null, false)]
    [InlineData(null, 3L, 3L, true)]
    [InlineData(null, null, null, true)]
    public void A_fact_agrees_when_every_signal_that_carries_it_reports_the_same_number(long? drain, long? counters, long? callbacks, bool agrees) =>
        new Reconciliation("fact", drain, counters, callbacks, null, null).Agrees.Should().Be(agrees);

    private static SubscriptionStatistics Statistics(ObservabilityReport report, string name) =>
        report.Subscriptions.Single(s => s.Name == name).Statistics;
}
