using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.UserRegistration;

internal sealed record UserRegisteredResult(
    IReadOnlyList<UserRegistered> Published,
    IReadOnlyList<Reception> Receptions,
    IReadOnlyList<string> Consumers,
    BusReport Bus) : SceneResult
{
    public override string Outcome =>
        $"{Published.Count} events x {Consumers.Count} consumers = {Receptions.Count} deliveries, each consumer on its own";
}
