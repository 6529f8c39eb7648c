using System.Diagnostics;
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

    [Fact]
    public async Task A_handler_filter_puts_the_message_id_and_correlation_id_in_the_scope_of_the_handlers_own_log_lines()
    {
        var (result, output) = await SceneHarness.RunAsync(new ObservabilityScene());
        var report = result.Report;
        var letter = report.DeadLetters.Should().ContainSingle().Subject;

        var own = report.Logs.Where(ObservabilityScene.IsHandlersOwn).ToList();
        own.Should().HaveCount(letter.Attempts, "the fraud check logs once per attempt, and the filter runs for every retry");
        own.Should().OnlyContain(l => l.Scope != null
            && l.Scope.Contains(letter.Context!.Id.ToString())
            && l.Scope.Contains(ObservabilityScene.CartId(CheckoutScript.PermanentFailureAt))
            && l.Scope.Contains(FraudCheck.Name));
        report.Logs.Where(l => !ObservabilityScene.IsHandlersOwn(l)).Should().OnlyContain(l => l.Scope == null,
            "the bus logs outside the handler call, so its lines need no scope: they carry the id in their message");
        output.Should().Contain("LogScopeFilter");
    }

    [Fact]
    public async Task Every_handler_attempt_has_a_process_span_linked_to_the_publish_span_of_its_event()
    {
        var (result, output) = await SceneHarness.RunAsync(new ObservabilityScene());
        var report = result.Report;

        var publishes = report.PublishSpans;
        publishes.Should().HaveCount(CheckoutScript.Checkouts)
            .And.OnlyContain(s => s.Name == $"publish {ObservabilityScene.Topic}" && s.Kind == ActivityKind.Producer && s.HasParent,
                "each publish is a child of the run's span");
        publishes.Select(s => s.Tag(SignalNames.MessageId)).Should().OnlyHaveUniqueItems();

        var processes = report.ProcessSpans;
        processes.Should().HaveCount((int)report.Drain.Delivered + report.Errors.Count, "one span per attempt, failed ones included");
        foreach (var process in processes)
        {
            process.Name.Should().Be($"process {ObservabilityScene.Topic}");
            process.HasParent.Should().BeFalse("with LinkProcessSpans (the default) a process span starts its own trace");
            process.Links.Should().ContainSingle();
            var publish = report.LinkedPublish(process);
            publish.Should().NotBeNull("the link points at a publish span of this run");
            publish!.Tag(SignalNames.MessageId).Should().Be(process.Tag(SignalNames.MessageId), "the link leads to the same event's publish");
            process.Tag(SignalNames.Subscription).Should().NotBeNull();
            process.Tag(SignalNames.Destination).Should().Be(ObservabilityScene.Topic);
        }

        processes.Where(s => s.Status == ActivityStatusCode.Error).Should().HaveCount(3)
            .And.OnlyContain(s => s.Tag(SignalNames.ErrorType) != null);
        processes.Should().Contain(s => s.Tag(SignalNames.Subscription) == LoyaltyPoints.Name && s.Tag(SignalNames.DeliveryAttempt) == "2",
            "the retry of the transient failure is its own span, attempt 2");
        output.Should().Contain("link: ").And.Contain("AddSource(EventBusDiagnostics.ActivitySourceName)")
            .And.Contain("AddMeter(EventBusDiagnostics.MeterName)");
    }

    [Fact]
    public async Task The_instruments_count_the_workload_the_scene_ran()
    {
        var (result, _) = await SceneHarness.RunAsync(new ObservabilityScene());
        var report = result.Report;

        report.MetricSum(SignalNames.Sent).Should().Be(CheckoutScript.Checkouts);
        report.MetricSum(SignalNames.Consumed, ReceiptPrinter.Name).Should().Be(CheckoutScript.Checkouts);
        report.MetricSum(SignalNames.Consumed, LoyaltyPoints.Name).Should().Be(CheckoutScript.Checkouts, "consumed counts first attempts, not retries");
        report.MetricSum(SignalNames.Consumed, FraudCheck.Name).Should().Be(CheckoutScript.Checkouts);
        var ticker = Statistics(report, LiveTicker.Name);
        report.MetricSum(SignalNames.Consumed, LiveTicker.Name).Should().Be(ticker.Delivered);

        report.MetricSum(SignalNames.Retried).Should().Be(2, "one transient failure, one retry of the permanent one");
        report.MetricSum(SignalNames.Retried, LoyaltyPoints.Name).Should().Be(1);
        report.MetricSum(SignalNames.DeadLettered).Should().Be(1);
        report.MetricSum(SignalNames.DeadLettered, FraudCheck.Name).Should().Be(1);
        report.MetricSum(SignalNames.Dropped).Should().Be(report.Drain.Dropped).And.Be(ticker.Dropped);
        report.Series(SignalNames.Dropped).Should().OnlyContain(s => s.Tag(SignalNames.DropReason) == nameof(DropReason.DroppedOldest));

        report.MetricCount(SignalNames.ProcessDuration).Should().Be(report.Drain.Delivered + report.Errors.Count);
        report.MetricCount(SignalNames.ProcessDuration, failedOnly: true).Should().Be(3);
        report.MetricCount(SignalNames.Lag).Should().Be(report.MetricSum(SignalNames.Consumed), "one lag per first attempt");
        report.Series(SignalNames.ProcessDuration).Should().OnlyContain(s => s.Unit == "s" && s.Min >= 0);

        // Read while the ticker's handler was stuck: its buffer was full.
        report.MetricSum(SignalNames.QueueDepth, LiveTicker.Name).Should().Be(CheckoutScript.TickerCapacity);
    }

    [Theory]
    [InlineData(1L, 1L, null, true)]
    [InlineData(1L, 2L, null, false)]
    [InlineData(null, 3L, 3L, true)]
    [InlineData(null, null, null, true)]
    public void A_fact_agrees_when_every_signal_that_carries_it_reports_the_same_number(long? drain, long? counters, long? callbacks, bool agrees) =>
        new Reconciliation("fact", drain, counters, callbacks, null, null).Agrees.Should().Be(agrees);

    [Fact]
    public void Metrics_and_spans_take_part_in_the_agreement() =>
        new Reconciliation("fact", 1, 1, null, null, null, Metrics: 1, Spans: 2).Agrees.Should().BeFalse();

    private static SubscriptionStatistics Statistics(ObservabilityReport report, string name) =>
        report.Subscriptions.Single(s => s.Name == name).Statistics;
}
