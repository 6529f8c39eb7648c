using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace EventBus.DependencyInjection.Generators;

/// <summary>A handler class found in the compilation or in a referenced assembly, with what the emitter needs
/// and the diagnostics found while reading it. Holds no symbol or syntax, so it compares by value.</summary>
/// <param name="TypeName">The class, fully qualified (<c>global::Shop.ReserveStock</c>).</param>
/// <param name="DisplayName">The class as diagnostics name it (<c>Shop.ReserveStock</c>).</param>
/// <param name="Location">Where it is declared; null for a class of a referenced assembly.</param>
/// <param name="Registrations">One per message type it handles, in a stable order.</param>
/// <param name="Settings">The <c>[EventBusHandler]</c> settings it declares.</param>
/// <param name="Diagnostics">What is wrong with it.</param>
/// <param name="CanRegister">Whether the generated code registers it: a handler, not excluded, and nothing
/// in <paramref name="Diagnostics"/> that keeps it out.</param>
internal sealed record HandlerClass(
    string TypeName,
    string DisplayName,
    LocationInfo? Location,
    EquatableArray<Registration> Registrations,
    HandlerSettings Settings,
    EquatableArray<DiagnosticInfo> Diagnostics,
    bool CanRegister);

/// <summary>One message type a handler class handles.</summary>
/// <param name="IsWorkQueue">An <c>IWorkItemHandler&lt;T&gt;</c> (a work queue) rather than an <c>IEventHandler&lt;T&gt;</c>.</param>
/// <param name="MessageTypeName">The message type, fully qualified.</param>
/// <param name="MessageDisplayName">The message type as diagnostics name it.</param>
internal sealed record Registration(bool IsWorkQueue, string MessageTypeName, string MessageDisplayName);

/// <summary>The settings of <c>[EventBusHandler]</c>; null where the attribute does not set them. Enum values
/// are kept as the member names to write (<c>Inline</c>); <paramref name="Filters"/> holds the handler's own filter
/// classes, fully qualified, outermost first (empty when it has none).</summary>
internal sealed record HandlerSettings(
    string? Name,
    string? Topic,
    string? Mode,
    int? Capacity,
    string? FullMode,
    int? Concurrency,
    int? MaxRetries,
    bool Exclude,
    EquatableArray<string> Filters)
{
    public static HandlerSettings None { get; } = new(null, null, null, null, null, null, null, Exclude: false, EquatableArray<string>.Empty);
}

/// <summary>A diagnostic to report, kept as plain values.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, new EquatableArray<string>(arguments.ToImmutableArray()));

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiscoveryDiagnostics.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, [.. Arguments]);
}

/// <summary>A source location without its syntax tree (which would keep the whole compilation alive in the cache).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is { IsInSource: true } ? new(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;

    public Location ToLocation() => Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan);
}
