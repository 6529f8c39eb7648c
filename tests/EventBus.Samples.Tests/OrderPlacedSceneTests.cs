using EventBus.Samples.Scenes.OrderFanOut;

namespace EventBus.Samples.Tests;

public sealed class OrderPlacedSceneTests
{
    [Fact]
    public async Task The_email_for_the_bad_address_is_retried_then_dead_lettered_with_its_attempts_and_exception()
    {
        var (result, output) = await SceneHarness.RunAsync(new OrderPlacedScene());

        var letter = result.DeadLetters.Should().ContainSingle().Subject;
        letter.Source.Should().Be(ConfirmationEmailService.Name);
        ((OrderPlaced)letter.Message).OrderId.Should().Be("A-1002");
        letter.Attempts.Should().Be(3, "one attempt and two retries");
        letter.Exception.Message.Should().Contain("bob@example.invalid");
        letter.Context!.CorrelationId.Should().Be("A-1002");

        var emailErrors = result.Errors.Where(e => e.Source == ConfirmationEmailService.Name).ToList();
        emailErrors.Select(e => e.Attempt).Should().Equal(1, 2, 3);
        emailErrors.Select(e => e.WillRetry).Should().Equal(true, true, false);
        output.Should().Contain("dead-lettered").And.Contain("SMTP 550");
    }

    [Theory]
    [InlineData(InventoryService.Name)]
    [InlineData(PaymentService.Name)]
    [InlineData(ShippingService.Name)]
    public async Task The_other_services_handle_every_order_without_a_single_failure(string service)
    {
        var (result, _) = await SceneHarness.RunAsync(new OrderPlacedScene());

        result.HandledBy(service).Should().BeEquivalentTo(["A-1001", "A-1002", "A-1003"]);
        var statistics = result.Bus[service];
        statistics.Delivered.Should().Be(3);
        statistics.FailedAttempts.Should().Be(0);
        statistics.DeadLettered.Should().Be(0);
        result.Errors.Should().NotContain(e => e.Source == service);
    }

    [Fact]
    public async Task The_email_service_itself_goes_on_with_the_next_order()
    {
        var (result, _) = await SceneHarness.RunAsync(new OrderPlacedScene());

        result.HandledBy(ConfirmationEmailService.Name).Should().BeEquivalentTo(["A-1001", "A-1003"]);
        result.Bus[ConfirmationEmailService.Name].Should().Be(new SubscriptionStatistics(
            Delivered: 2, FailedAttempts: 3, Retried: 2, DeadLettered: 1, Dropped: 0, Abandoned: 0));
        result.Bus.Drain.Delivered.Should().Be(11, "four services times three orders, less the dead letter");
        result.Bus.Drain.DeadLettered.Should().Be(1);
    }

    [Fact]
    public async Task Two_payment_subscribers_on_pub_sub_charge_the_same_order_twice()
    {
        var (result, output) = await SceneHarness.RunAsync(new OrderPlacedScene());

        result.ScaledOutPaymentInstances.Should().Be(2);
        result.ScaledOutCharges.Should().Be(2, "every subscriber gets its own copy");
        output.Should().Contain("work queue");
    }
}
