using EventBus.Samples.Scenes.Backpressure;
using EventBus.Samples.Scenes.Durability;
using EventBus.Samples.Scenes.EventSourcing;
using EventBus.Samples.Scenes.Observability;
using EventBus.Samples.Scenes.OrderFanOut;
using EventBus.Samples.Scenes.PartitioningBatching;
using EventBus.Samples.Scenes.PaymentQueue;
using EventBus.Samples.Scenes.PubSubVsQueue;
using EventBus.Samples.Scenes.Saga;
using EventBus.Samples.Scenes.UserRegistration;

namespace EventBus.Samples.Infrastructure;

/// <summary>
/// The scenes, in the order of the course. A new scene is a class implementing
/// <see cref="Scene{TResult}"/> and one line here, at the place it belongs in the course.
/// </summary>
internal static class SceneCatalog
{
    public static IReadOnlyList<IScene> All { get; } =
    [
        new UserRegisteredScene(),
        new PubSubVsQueueScene(),
        new OrderPlacedScene(),
        new PaymentQueueScene(),
        new SagaScene(),
        new EventSourcingScene(),
        new BackpressureScene(),
        new PartitioningBatchingScene(),
        new ObservabilityScene(),
        new DurabilityScene(),
    ];
}
