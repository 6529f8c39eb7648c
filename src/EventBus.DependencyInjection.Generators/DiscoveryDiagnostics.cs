using Microsoft.CodeAnalysis;

namespace EventBus.DependencyInjection.Generators;

/// <summary>The mistakes handler discovery reports. A class with a warning here is left out of
/// <c>AddEventBusHandlers()</c>; the text says why and what to do.</summary>
internal static class DiscoveryDiagnostics
{
    private const string Category = "EventBus.Discovery";

    public static readonly DiagnosticDescriptor NoPublicConstructor = new(
        "EVB001",
        "A handler class has no public constructor",
        "'{0}' is not registered by AddEventBusHandlers(): it has no public constructor, so the container cannot create it. Make a constructor public, or exclude it with [EventBusHandler(Exclude = true)] and register it yourself.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OpenGeneric = new(
        "EVB002",
        "A handler class is generic",
        "'{0}' is not registered by AddEventBusHandlers(): it is generic (or nested in a generic type), and discovery cannot choose its type arguments. Register each closed type yourself, for example AddHandler<TEvent, {1}<Concrete>>(), or declare a non-generic class that derives from it.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Inaccessible = new(
        "EVB003",
        "A handler class cannot be reached from generated code",
        "'{0}' is not registered by AddEventBusHandlers(): {1} is private, protected or file-local, so the generated registration cannot name it. Make it internal or public.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReferencedNotVisible = new(
        "EVB004",
        "A handler class of a referenced assembly cannot be seen",
        "'{0}' in the referenced assembly '{1}' is not registered by AddEventBusHandlers(): {2} is not visible to this assembly. Make it public, or register it inside '{1}' (for example from an extension method that assembly exposes).",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidSetting = new(
        "EVB005",
        "An [EventBusHandler] setting has an invalid value",
        "'{0}' cannot be registered: [EventBusHandler({1})] is invalid: {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SettingNotApplicable = new(
        "EVB006",
        "An [EventBusHandler] setting does not apply to the class",
        "[EventBusHandler({1})] has no effect on '{0}': {1} applies only to event handlers (IEventHandler<T>), and '{0}' handles only work items",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor AttributeOnNonHandler = new(
        "EVB007",
        "[EventBusHandler] on a class that is no handler",
        "[EventBusHandler] has no effect on '{0}': it implements neither IEventHandler<T> nor IWorkItemHandler<T>",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateWorkQueue = new(
        "EVB008",
        "Two handler classes for one work queue",
        "'{0}' and '{1}' both handle the work queue {2}: each item of a work queue goes to exactly one handler. Give one of them its own queue with [EventBusHandler(Name = \"...\")], or exclude one.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StructHandler = new(
        "EVB009",
        "A handler is a struct",
        "'{0}' is not registered by AddEventBusHandlers(): handlers are resolved from the container per message, and it is a struct. Make it a class.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FilterNotAFilter = new(
        "EVB010",
        "A handler's filter does not implement IHandlerFilter",
        "'{0}' cannot be registered: [EventBusHandler(Filters)] lists {1}, which does not implement EventBus.IHandlerFilter. List filter classes only.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FilterNotCreatable = new(
        "EVB011",
        "A handler's filter cannot be created",
        "'{0}' cannot be registered: its filter '{1}' {2}, so the container cannot create it. List a concrete, non-generic class with a public constructor (a closed generic type such as Filter<Order> is fine).",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FilterInaccessible = new(
        "EVB012",
        "A handler's filter cannot be reached from generated code",
        "'{0}' cannot be registered: its filter '{1}' is not accessible from this assembly's code (private, protected, file-local, or internal to another assembly), so the generated registration cannot name it. Make it internal or public.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor[] s_all =
    [
        NoPublicConstructor, OpenGeneric, Inaccessible, ReferencedNotVisible, InvalidSetting, SettingNotApplicable,
        AttributeOnNonHandler, DuplicateWorkQueue, StructHandler, FilterNotAFilter, FilterNotCreatable, FilterInaccessible,
    ];

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (var descriptor in s_all)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(id), id, "Unknown diagnostic id.");
    }
}
