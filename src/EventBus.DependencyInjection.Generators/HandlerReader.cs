using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBus.DependencyInjection.Generators;

/// <summary>Reads a type symbol into a <see cref="HandlerClass"/>: which handler interfaces it implements,
/// its <c>[EventBusHandler]</c> settings, and what keeps it from being registered.</summary>
internal static class HandlerReader
{
    internal const string ContractsAssembly = "EventBus.DependencyInjection";
    private const string ContractsNamespace = "EventBus";

    /// <summary>Reads <paramref name="type"/>, or returns null when it neither implements a handler
    /// interface nor carries the attribute (or is abstract: a base for handlers, not one).</summary>
    /// <param name="type">The type.</param>
    /// <param name="compilation">The compilation the generated code is part of.</param>
    /// <param name="fromReference">Whether the type comes from a referenced assembly.</param>
    internal static HandlerClass? Read(INamedTypeSymbol type, Compilation compilation, bool fromReference)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.IsAbstract || type.IsStatic)
        {
            return null;
        }

        var registrations = ReadRegistrations(type);
        var attribute = FindAttribute(type);
        if (registrations.Length == 0 && attribute is null)
        {
            return null;
        }

        var display = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
        var location = fromReference ? null : LocationInfo.From(type.Locations.FirstOrDefault());
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var settings = attribute is null ? HandlerSettings.None : ReadSettings(attribute, compilation, display, diagnostics);
        var canRegister = diagnostics.Count == 0;

        if (registrations.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiscoveryDiagnostics.AttributeOnNonHandler, AttributeLocation(attribute!, null) ?? location, display));
            return Create(type, display, location, registrations, settings, diagnostics, canRegister: false);
        }

        if (settings.Exclude)
        {
            return Create(type, display, location, registrations, settings, diagnostics, canRegister: false);
        }

        if (Blocker(type, compilation, display, location, fromReference) is { } blocker)
        {
            diagnostics.Add(blocker);
            canRegister = false;
        }

        if (!registrations.Any(static r => !r.IsWorkQueue))
        {
            foreach (var (setting, given) in new[] { ("Topic", settings.Topic is not null), ("Mode", settings.Mode is not null) })
            {
                if (given)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiscoveryDiagnostics.SettingNotApplicable, AttributeLocation(attribute!, setting) ?? location, display, setting));
                }
            }
        }

        return Create(type, display, location, registrations, settings, diagnostics, canRegister);
    }

    /// <summary>Whether <paramref name="attribute"/> is <c>[assembly: EventBusHandlerAssembly]</c>.</summary>
    internal static bool IsHandlerAssemblyAttribute(AttributeData attribute) => IsContract(attribute.AttributeClass, "EventBusHandlerAssemblyAttribute", 0);

    private static HandlerClass Create(
        INamedTypeSymbol type, string display, LocationInfo? location, ImmutableArray<Registration> registrations, HandlerSettings settings,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, bool canRegister) => new(
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            display,
            location,
            new EquatableArray<Registration>(registrations),
            settings,
            new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()),
            canRegister);

    private static ImmutableArray<Registration> ReadRegistrations(INamedTypeSymbol type)
    {
        var registrations = ImmutableArray.CreateBuilder<Registration>();
        foreach (var candidate in type.AllInterfaces)
        {
            var isEventHandler = IsContract(candidate, "IEventHandler", 1);
            if (isEventHandler || IsContract(candidate, "IWorkItemHandler", 1))
            {
                var message = candidate.TypeArguments[0];
                registrations.Add(new Registration(
                    IsWorkQueue: !isEventHandler,
                    message.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    message.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
            }
        }

        registrations.Sort(static (a, b) => a.IsWorkQueue != b.IsWorkQueue
            ? a.IsWorkQueue.CompareTo(b.IsWorkQueue)
            : string.CompareOrdinal(a.MessageTypeName, b.MessageTypeName));
        return registrations.ToImmutable();
    }

    private static AttributeData? FindAttribute(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (IsContract(attribute.AttributeClass, "EventBusHandlerAttribute", 0))
            {
                return attribute;
            }
        }

        return null;
    }

    private static bool IsContract(INamedTypeSymbol? type, string name, int arity) =>
        type is not null
        && type.Name == name
        && type.Arity == arity
        && type.ContainingType is null
        && type.ContainingNamespace is { Name: ContractsNamespace, ContainingNamespace.IsGlobalNamespace: true }
        && type.ContainingAssembly?.Name == ContractsAssembly;

    /// <summary>The first reason the generated code cannot register <paramref name="type"/>, if any.</summary>
    private static DiagnosticInfo? Blocker(
        INamedTypeSymbol type, Compilation compilation, string display, LocationInfo? location, bool fromReference)
    {
        if (type.TypeKind == TypeKind.Struct)
        {
            return DiagnosticInfo.Create(DiscoveryDiagnostics.StructHandler, location, display);
        }

        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                return DiagnosticInfo.Create(DiscoveryDiagnostics.OpenGeneric, location, display, type.Name);
            }
        }

        if (Unreachable(type, compilation) is { } what)
        {
            return fromReference
                ? DiagnosticInfo.Create(DiscoveryDiagnostics.ReferencedNotVisible, location, display, type.ContainingAssembly.Name, what)
                : DiagnosticInfo.Create(DiscoveryDiagnostics.Inaccessible, location, display, what);
        }

        if (!type.InstanceConstructors.Any(static c => c.DeclaredAccessibility == Accessibility.Public))
        {
            return DiagnosticInfo.Create(DiscoveryDiagnostics.NoPublicConstructor, location, display);
        }

        return null;
    }

    /// <summary>What the generated code, in <paramref name="compilation"/>'s assembly, cannot name: the class
    /// itself or a type it handles; null when it can name them all.</summary>
    private static string? Unreachable(INamedTypeSymbol type, Compilation compilation)
    {
        if (!compilation.IsSymbolAccessibleWithin(type, compilation.Assembly) || IsFileLocal(type))
        {
            return "the class";
        }

        foreach (var candidate in type.AllInterfaces)
        {
            if ((IsContract(candidate, "IEventHandler", 1) || IsContract(candidate, "IWorkItemHandler", 1))
                && (!compilation.IsSymbolAccessibleWithin(candidate.TypeArguments[0], compilation.Assembly)
                    || candidate.TypeArguments[0] is INamedTypeSymbol message && IsFileLocal(message)))
            {
                return $"the type it handles, '{candidate.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}',";
            }
        }

        return null;
    }

    /// <summary>A file-local type (or one nested in it) is accessible in its assembly, but only from its own file.</summary>
    private static bool IsFileLocal(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsFileLocal)
            {
                return true;
            }
        }

        return false;
    }

    private static HandlerSettings ReadSettings(AttributeData attribute, Compilation compilation, string display, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        string? name = null, topic = null, mode = null, fullMode = null;
        int? capacity = null, concurrency = null, maxRetries = null;
        var exclude = false;
        var filters = EquatableArray<string>.Empty;
        foreach (var argument in attribute.NamedArguments)
        {
            var value = argument.Value;
            if (value.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            string? problem = null;
            switch (argument.Key)
            {
                case "Name":
                    name = value.Value as string;
                    problem = name is not null && string.IsNullOrWhiteSpace(name) ? "a name must not be empty or whitespace" : null;
                    break;
                case "Topic":
                    topic = value.Value as string;
                    problem = topic is not null && string.IsNullOrWhiteSpace(topic) ? "a topic must not be empty or whitespace (leave it out to receive every topic)" : null;
                    break;
                case "Mode":
                    mode = EnumMember(value);
                    problem = mode is null ? "it is not a defined DeliveryMode" : null;
                    break;
                case "FullMode":
                    fullMode = EnumMember(value);
                    problem = fullMode is null ? "it is not a defined BufferFullMode" : null;
                    break;
                case "Capacity":
                    capacity = value.Value as int?;
                    problem = capacity < 1 ? "a capacity must be at least 1" : null;
                    break;
                case "Concurrency":
                    concurrency = value.Value as int? is 0 ? null : value.Value as int?;
                    problem = concurrency < 1 ? "the concurrency must be at least 1 (or 0 for the option's default)" : null;
                    break;
                case "MaxRetries":
                    maxRetries = value.Value as int?;
                    problem = maxRetries < 0 ? "the number of retries must not be negative" : null;
                    break;
                case "Exclude":
                    exclude = value.Value is true;
                    break;
                case "Filters":
                    filters = ReadFilters(attribute, value, compilation, display, diagnostics);
                    break;
            }

            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiscoveryDiagnostics.InvalidSetting,
                    AttributeLocation(attribute, argument.Key),
                    display,
                    $"{argument.Key} = {Literal(value)}",
                    problem));
            }
        }

        return new HandlerSettings(name, topic, mode, capacity, fullMode, concurrency, maxRetries, exclude, filters);
    }

    /// <summary>Reads <c>Filters = [typeof(A), typeof(B)]</c> in order (a type listed again keeps its first place), and
    /// reports each entry the generated <c>HandlerFilterList.Add&lt;TFilter&gt;()</c> call could not compile or the container
    /// could not create.</summary>
    private static EquatableArray<string> ReadFilters(
        AttributeData attribute, TypedConstant value, Compilation compilation, string display, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        if (value.Kind != TypedConstantKind.Array || value.IsNull)
        {
            return EquatableArray<string>.Empty;
        }

        var filters = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < value.Values.Length; i++)
        {
            var entry = value.Values[i];
            if (entry.Kind == TypedConstantKind.Error || entry.Value is ITypeSymbol { TypeKind: TypeKind.Error })
            {
                // The compiler reports the unknown type itself.
                continue;
            }

            var location = FilterLocation(attribute, i);
            if (entry.Value is not INamedTypeSymbol filter || !IsFilter(filter))
            {
                var listed = entry.Value is ITypeSymbol other ? $"'{other.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}'" : "null";
                diagnostics.Add(DiagnosticInfo.Create(DiscoveryDiagnostics.FilterNotAFilter, location, display, listed));
                continue;
            }

            var filterDisplay = filter.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
            if (WhyNotCreatable(filter) is { } why)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiscoveryDiagnostics.FilterNotCreatable, location, display, filterDisplay, why));
            }
            else if (!compilation.IsSymbolAccessibleWithin(filter, compilation.Assembly) || IsFileLocal(filter))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiscoveryDiagnostics.FilterInaccessible, location, display, filterDisplay));
            }
            else
            {
                var name = filter.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                if (!filters.Contains(name))
                {
                    filters.Add(name);
                }
            }
        }

        return new EquatableArray<string>(filters.ToImmutable());
    }

    /// <summary>Whether <paramref name="type"/> is or implements <c>IHandlerFilter</c>; an unbound generic type (which lists no
    /// interfaces of its own) is judged by its definition.</summary>
    private static bool IsFilter(INamedTypeSymbol type)
    {
        var definition = type.IsUnboundGenericType ? type.OriginalDefinition : type;
        return IsContract(definition, "IHandlerFilter", 0) || definition.AllInterfaces.Any(static i => IsContract(i, "IHandlerFilter", 0));
    }

    /// <summary>Why <c>HandlerFilterList.Add&lt;TFilter&gt;()</c> (<c>where TFilter : class</c>) or the container could not
    /// take <paramref name="filter"/>; null when they can.</summary>
    private static string? WhyNotCreatable(INamedTypeSymbol filter)
    {
        if (filter.IsUnboundGenericType)
        {
            return "is an open generic type";
        }

        if (filter.TypeKind == TypeKind.Interface)
        {
            return "is an interface";
        }

        if (filter.TypeKind != TypeKind.Class)
        {
            return "is a struct";
        }

        if (filter.IsAbstract)
        {
            return "is abstract";
        }

        return filter.InstanceConstructors.Any(static c => c.DeclaredAccessibility == Accessibility.Public) ? null : "has no public constructor";
    }

    /// <summary>Where the <paramref name="index"/>th entry of <c>Filters</c> is written (the <c>Filters</c> argument when its
    /// form is not recognised); null for an attribute read from metadata.</summary>
    private static LocationInfo? FilterLocation(AttributeData attribute, int index)
    {
        var argument = AttributeLocation(attribute, "Filters");
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax { ArgumentList: { } arguments })
        {
            return argument;
        }

        foreach (var candidate in arguments.Arguments)
        {
            if (candidate.NameEquals?.Name.Identifier.ValueText != "Filters")
            {
                continue;
            }

            SyntaxNode? element = candidate.Expression switch
            {
                CollectionExpressionSyntax collection when index < collection.Elements.Count => collection.Elements[index],
                ArrayCreationExpressionSyntax { Initializer: { } initializer } when index < initializer.Expressions.Count => initializer.Expressions[index],
                ImplicitArrayCreationExpressionSyntax { Initializer: { } initializer } when index < initializer.Expressions.Count => initializer.Expressions[index],
                _ => null,
            };
            return element is null ? argument : LocationInfo.From(element.GetLocation());
        }

        return argument;
    }

    /// <summary>The name of the enum member <paramref name="value"/> holds, or null when none has that value.</summary>
    private static string? EnumMember(TypedConstant value)
    {
        if (value.Type is not INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
        {
            return null;
        }

        foreach (var member in enumType.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true } field && Equals(field.ConstantValue, value.Value))
            {
                return field.Name;
            }
        }

        return null;
    }

    private static string Literal(TypedConstant value) => value.Value switch
    {
        string text => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, quote: true),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        var other => other?.ToString() ?? "null",
    };

    /// <summary>Where the attribute's <paramref name="argument"/> is written (the attribute itself when it is
    /// null or not found); null for an attribute read from metadata.</summary>
    private static LocationInfo? AttributeLocation(AttributeData attribute, string? argument)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax)
        {
            return null;
        }

        if (argument is not null && syntax.ArgumentList is { } arguments)
        {
            foreach (var candidate in arguments.Arguments)
            {
                if (candidate.NameEquals?.Name.Identifier.ValueText == argument)
                {
                    return LocationInfo.From(candidate.GetLocation());
                }
            }
        }

        return LocationInfo.From(syntax.GetLocation());
    }
}
