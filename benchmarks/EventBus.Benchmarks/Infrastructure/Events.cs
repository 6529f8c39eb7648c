using Mediator;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>The class event every suite publishes. One instance is reused, so no row pays for creating events.</summary>
public sealed class ClassEvent : INotification
{
    public int Value { get; init; } = 42;
}

/// <summary>The struct event of suites 1 and 2: nobody may box it.</summary>
public readonly record struct StructEvent(int Value) : INotification;

/// <summary>Mediator binds handlers to notification types at compile time, so eight handlers need their own type.</summary>
public sealed class ClassEvent8 : INotification
{
    public int Value { get; init; } = 42;
}

/// <summary>The struct twin of <see cref="ClassEvent8"/>.</summary>
public readonly record struct StructEvent8(int Value) : INotification;
