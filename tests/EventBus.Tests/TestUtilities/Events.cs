namespace EventBus.Tests.TestUtilities;

// Event types shared by the tests.

public sealed record Ping(int Publisher, int Sequence);

public readonly record struct Tick(int Value);

public interface IAnimalEvent
{
    string Name { get; }
}

public record AnimalEvent(string Name) : IAnimalEvent;

public record DogBarked(string Name, int Volume) : AnimalEvent(Name);

public sealed record PuppyYipped(string Name, int Volume) : DogBarked(Name, Volume);

public sealed record Secret(string Password);
