namespace EventBus;

/// <summary>
/// Marks a class library whose public handler classes the generated <c>AddEventBusHandlers()</c> of an
/// application that references it registers too, as if they were declared in the application. Without
/// it, only the application's own handler classes are registered.
/// </summary>
/// <remarks>Apply it once: <c>[assembly: EventBusHandlerAssembly]</c>. A handler class of such a library
/// that the application cannot see (internal, or nested in a type it cannot see) is reported by
/// diagnostic EVB004 and left out.</remarks>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class EventBusHandlerAssemblyAttribute : Attribute;
