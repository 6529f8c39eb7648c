using EventBus.PubSub;

namespace EventBus;

/// <summary>Creates event buses without a dependency-injection container.</summary>
public static class EventBusFactory
{
    /// <summary>Creates an in-process event bus.</summary>
    /// <param name="options">The bus's settings; <see langword="null"/> for the defaults. Values are read once, here.</param>
    /// <returns>A new bus. Dispose it (preferably with <c>DisposeAsync</c>) when done.</returns>
    public static IEventBus Create(EventBusOptions? options = null) => new InProcessEventBus(options ?? new EventBusOptions());
}
