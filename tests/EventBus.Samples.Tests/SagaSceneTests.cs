using EventBus.Samples.Scenes.Saga;

namespace EventBus.Samples.Tests;

public sealed class SagaSceneTests
{
    [Fact]
    public async Task The_paid_order_goes_through_every_step_and_ships()
    {
        var (result, _) = await SceneHarness.RunAsync(new SagaScene());

        result.Timelines["S-5001"].Select(e => e.Message).Should().Equal(
            nameof(OrderPlaced), nameof(ReserveInventory), nameof(InventoryReserved),
            nameof(ChargePayment), nameof(PaymentCharged), nameof(ShipOrder), nameof(OrderShipped));
        result.SagaStatuses["S-5001"].Should().Be(SagaStatus.Completed);
        result.OrderStatuses["S-5001"].Should().Be("shipped");
        result.Charges.Should().ContainKey("S-5001").WhoseValue.Should().Be(178.00m);
        result.StockAfter["KB-101"].Should().Be(result.StockBefore["KB-101"] - 2);
    }

    [Fact]
    public async Task The_declined_order_is_compensated_stock_released_and_order_cancelled()
    {
        var (result, output) = await SceneHarness.RunAsync(new SagaScene());

        result.Timelines["S-5002"].Select(e => e.Message).Should().Equal(
            nameof(OrderPlaced), nameof(ReserveInventory), nameof(InventoryReserved),
            nameof(ChargePayment), nameof(PaymentDeclined),
            nameof(ReleaseInventory), nameof(InventoryReleased), nameof(CancelOrder), nameof(OrderCancelled));
        result.SagaStatuses["S-5002"].Should().Be(SagaStatus.Compensated);
        result.OrderStatuses["S-5002"].Should().Be("cancelled");
        result.Charges.Should().NotContainKey("S-5002");
        result.StockAfter["MS-220"].Should().Be(result.StockBefore["MS-220"], "the reservation was released");
        output.Should().Contain("Compensated").And.Contain("cancelled");
    }

    [Fact]
    public async Task Every_message_carries_the_order_id_as_correlation_id_and_names_its_publisher()
    {
        var (result, _) = await SceneHarness.RunAsync(new SagaScene());

        foreach (var (orderId, entries) in result.Timelines)
        {
            entries.Should().OnlyContain(e => e.CorrelationId == orderId && e.Producer != "?");
            entries.Select(e => e.EventId).Should().OnlyHaveUniqueItems();
            entries.Where(e => e.IsCommand).Should().OnlyContain(e => e.Producer == OrderSagaOrchestrator.Name,
                "only the orchestrator gives orders");
            entries.Select(e => e.Step).Should().Equal(Enumerable.Range(1, entries.Count));
            entries[0].CausationId.Should().BeNull("the order starts the saga");
            for (var i = 1; i < entries.Count; i++)
            {
                entries[i].CausationId.Should().Be(entries[i - 1].EventId, "each step is caused by the one before it");
            }
        }

        result.Bus.Drain.Completed.Should().BeTrue();
        result.Bus.Drain.DeadLettered.Should().Be(0);
    }
}
