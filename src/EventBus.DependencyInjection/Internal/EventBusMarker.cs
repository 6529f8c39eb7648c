namespace EventBus.DependencyInjection.Internal;

/// <summary>Registered once by <c>AddEventBus</c>, so a second call adds nothing twice.</summary>
internal sealed class EventBusMarker;
