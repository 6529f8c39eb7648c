using EventBus.Samples.Infrastructure;
using EventBus.Samples.Scenes.OrderFanOut;
using EventBus.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Samples.Tests;

/// <summary>The order scene's services under a tracked publish (EventBus.Testing): the test waits for the tree, not for the host to stop.</summary>
public sealed class OrderPlacedTrackedTests
{
    [Fact]
    public async Task One_tracked_order_reaches_all_four_services_and_only_the_email_is_dead_lettered()
    {
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(new OrderLedger());
            OrderPlacedScene.AddServices(services.AddEventBus());
        });
        using var tracker = new EventBusTracker(host.Bus);
        var bob = new OrderPlaced("A-1002", "Bob", "bob@example.invalid", "MS-220", 2, 59.80m, "EUR");

        var session = await tracker.PublishAndWaitAsync(bob, PublishOptions.ForTopic(OrderPlacedScene.Topic));

        var order = session.Roots.Should().ContainSingle().Subject;
        order.Topic.Should().Be(OrderPlacedScene.Topic);
        order.Caused.Should().BeEmpty("the services publish nothing further");
        order.Outcomes.Should().BeEquivalentTo(new[]
        {
            new { Consumer = (string?)InventoryService.Name, Kind = TrackedOutcomeKind.Handled, Attempts = 1 },
            new { Consumer = (string?)PaymentService.Name, Kind = TrackedOutcomeKind.Handled, Attempts = 1 },
            new { Consumer = (string?)ShippingService.Name, Kind = TrackedOutcomeKind.Handled, Attempts = 1 },
            new { Consumer = (string?)ConfirmationEmailService.Name, Kind = TrackedOutcomeKind.DeadLettered, Attempts = 3 },
        }, session.ToString());
    }
}
