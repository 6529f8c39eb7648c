using EventBus.Samples.Scenes.PaymentQueue;

namespace EventBus.Samples.Tests;

public sealed class PaymentQueueSceneTests
{
    [Fact]
    public async Task Every_payment_is_charged_exactly_once()
    {
        var (result, output) = await SceneHarness.RunAsync(new PaymentQueueScene());

        result.ChargedExactlyOnce.Should().BeTrue();
        result.Charges.Select(c => c.PaymentId).Should().BeEquivalentTo(PaymentQueueScene.Payments.Select(p => p.PaymentId));
        result.Charges.Select(c => c.Receipt).Should().OnlyHaveUniqueItems();
        result.Statistics.Processed.Should().Be(PaymentQueueScene.Payments.Count);
        output.Should().Contain("every payment charged exactly once");
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_the_charge_goes_through()
    {
        var (result, _) = await SceneHarness.RunAsync(new PaymentQueueScene());

        result.RequestsOf(PaymentQueueScene.Timeout).Select(r => r.Answer).Should().Equal(GatewayAnswer.Failed, GatewayAnswer.Charged);
        result.RequestsOf(PaymentQueueScene.Flaky).Select(r => r.Answer).Should().Equal(GatewayAnswer.Failed, GatewayAnswer.Failed, GatewayAnswer.Charged);
        result.Errors.Where(e => e.WillRetry).Should().HaveCount((int)result.Statistics.Retried);
        result.Statistics.Retried.Should().Be(1 + 2 + PaymentQueueScene.MaxRetries + 1, "timeout, flaky, the poison's retries, the lost reply");
        result.Statistics.FailedAttempts.Should().Be(1 + 2 + (PaymentQueueScene.MaxRetries + 1) + 1);
    }

    [Fact]
    public async Task The_poison_payment_is_dead_lettered_then_charged_once_after_the_fix_and_redrive()
    {
        var (result, _) = await SceneHarness.RunAsync(new PaymentQueueScene());

        var letter = result.DeadLettersBeforeFix.Should().ContainSingle().Subject;
        letter.Message.Should().BeOfType<ChargePayment>().Which.PaymentId.Should().Be(PaymentQueueScene.Poison);
        letter.Attempts.Should().Be(PaymentQueueScene.MaxRetries + 1);
        letter.Exception.Should().BeOfType<NotSupportedException>();
        result.Redriven.Should().Be(1);
        result.Statistics.DeadLettered.Should().Be(1, "after the re-drive it succeeded: dead-lettered once in all");

        var requests = result.RequestsOf(PaymentQueueScene.Poison);
        requests.Where(r => !r.AfterFix).Should().HaveCount(PaymentQueueScene.MaxRetries + 1).And.OnlyContain(r => r.Answer == GatewayAnswer.Failed);
        requests.Where(r => r.AfterFix).Select(r => r.Answer).Should().Equal(GatewayAnswer.Charged);
        result.ChargesOf(PaymentQueueScene.Poison).Should().Be(1);
    }

    [Fact]
    public async Task A_lost_reply_is_retried_and_the_stable_key_stops_a_second_charge()
    {
        var (result, _) = await SceneHarness.RunAsync(new PaymentQueueScene());

        var requests = result.RequestsOf(PaymentQueueScene.LostReply);
        requests.Select(r => r.Answer).Should().Equal(GatewayAnswer.ChargedReplyLost, GatewayAnswer.Duplicate);
        requests.Select(r => r.IdempotencyKey).Should().OnlyContain(k => k == PaymentQueueScene.LostReply);
        result.ChargesOf(PaymentQueueScene.LostReply).Should().Be(1);
    }

    [Fact]
    public async Task A_new_key_per_attempt_turns_the_same_retry_into_a_double_charge()
    {
        var (result, output) = await SceneHarness.RunAsync(new PaymentQueueScene());

        result.NaiveRequests.Should().Be(2);
        result.NaiveCharges.Should().Be(2);
        output.Should().Contain("a new request id per attempt");
    }

    [Fact]
    public async Task No_more_payments_are_in_progress_at_once_than_the_queue_has_workers()
    {
        var (result, _) = await SceneHarness.RunAsync(new PaymentQueueScene());

        result.PeakInFlight.Should().BeInRange(1, PaymentQueueScene.Workers);
    }
}
