using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBus.DependencyInjection.Generators;

/// <summary>
/// Finds every non-abstract <c>IEventHandler&lt;T&gt;</c> and <c>IWorkItemHandler&lt;T&gt;</c> class of the
/// compilation (and the public ones of referenced assemblies marked <c>[assembly: EventBusHandlerAssembly]</c>)
/// and generates <c>AddEventBusHandlers()</c>, which registers each of them with <c>AddHandler</c> or
/// <c>AddWorkQueue</c>: plain generic calls, no reflection, so trimming and native AOT keep working.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class HandlerDiscoveryGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var declared = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsCandidate(node), static (syntax, cancellationToken) => ReadDeclared(syntax, cancellationToken))
            .Where(static handler => handler is not null)
            .Select(static (handler, _) => handler!)
            .WithTrackingName(TrackingNames.Declared)
            .Collect();

        var referenced = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => ReadReferenced(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Referenced);

        context.RegisterSourceOutput(declared.Combine(referenced), static (output, input) => Emit(output, input.Left, input.Right));
    }

    /// <summary>Classes, records and structs that could implement an interface or carry the attribute.</summary>
    private static bool IsCandidate(SyntaxNode node) =>
        node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax
        && ((TypeDeclarationSyntax)node) is { BaseList: not null } or { AttributeLists.Count: > 0 };

    private static HandlerClass? ReadDeclared(GeneratorSyntaxContext syntax, CancellationToken cancellationToken)
    {
        if (syntax.SemanticModel.GetDeclaredSymbol(syntax.Node, cancellationToken) is not INamedTypeSymbol type)
        {
            return null;
        }

        // A partial class is read once, from its first declaration.
        var first = type.DeclaringSyntaxReferences.FirstOrDefault();
        if (first is null || first.SyntaxTree != syntax.Node.SyntaxTree || first.Span != syntax.Node.Span)
        {
            return null;
        }

        return HandlerReader.Read(type, syntax.SemanticModel.Compilation, fromReference: false);
    }

    private static Discovery ReadReferenced(Compilation compilation, CancellationToken cancellationToken)
    {
        if (compilation.GetTypeByMetadataName("EventBus.IEventBusBuilder") is not { ContainingAssembly.Name: HandlerReader.ContractsAssembly })
        {
            return Discovery.Disabled;
        }

        var handlers = ImmutableArray.CreateBuilder<HandlerClass>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (assembly.GetAttributes().Any(HandlerReader.IsHandlerAssemblyAttribute))
            {
                AddTypes(assembly.GlobalNamespace, compilation, handlers, cancellationToken);
            }
        }

        handlers.Sort(static (a, b) => string.CompareOrdinal(a.TypeName, b.TypeName));
        return new Discovery(Enabled: true, new EquatableArray<HandlerClass>(handlers.ToImmutable()));
    }

    private static void AddTypes(INamespaceOrTypeSymbol container, Compilation compilation, ImmutableArray<HandlerClass>.Builder handlers, CancellationToken cancellationToken)
    {
        foreach (var member in container.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is INamespaceSymbol ns)
            {
                AddTypes(ns, compilation, handlers, cancellationToken);
            }
            else if (member is INamedTypeSymbol type)
            {
                if (HandlerReader.Read(type, compilation, fromReference: true) is { } handler)
                {
                    handlers.Add(handler);
                }

                AddTypes(type, compilation, handlers, cancellationToken);
            }
        }
    }

    private static void Emit(SourceProductionContext output, ImmutableArray<HandlerClass> declared, Discovery discovery)
    {
        if (!discovery.Enabled)
        {
            return;
        }

        var all = declared.Sort(static (a, b) => string.CompareOrdinal(a.TypeName, b.TypeName)).AddRange(discovery.Referenced);
        foreach (var handler in all)
        {
            foreach (var diagnostic in handler.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        }

        var registered = ImmutableArray.CreateBuilder<HandlerClass>();
        var queues = new Dictionary<(string Item, string? Name), HandlerClass>();
        foreach (var handler in all)
        {
            if (handler.CanRegister && TakeQueues(output, handler, queues))
            {
                registered.Add(handler);
            }
        }

        output.AddSource("EventBusHandlers.g.cs", SourceEmitter.Emit(registered.ToImmutable()));
    }

    /// <summary>Claims the work queues <paramref name="handler"/> would register; reports the one taken
    /// already by another class (AddWorkQueue would throw for it at run time).</summary>
    private static bool TakeQueues(SourceProductionContext output, HandlerClass handler, Dictionary<(string Item, string? Name), HandlerClass> queues)
    {
        var free = true;
        foreach (var registration in handler.Registrations)
        {
            if (!registration.IsWorkQueue)
            {
                continue;
            }

            var key = (registration.MessageTypeName, handler.Settings.Name);
            if (queues.TryGetValue(key, out var owner))
            {
                var queue = handler.Settings.Name is { } name ? $"'{name}' of {registration.MessageDisplayName}" : $"of {registration.MessageDisplayName}";
                output.ReportDiagnostic(Diagnostic.Create(
                    DiscoveryDiagnostics.DuplicateWorkQueue, handler.Location?.ToLocation() ?? Location.None, owner.DisplayName, handler.DisplayName, queue));
                free = false;
            }
        }

        if (free)
        {
            foreach (var registration in handler.Registrations)
            {
                if (registration.IsWorkQueue)
                {
                    queues[(registration.MessageTypeName, handler.Settings.Name)] = handler;
                }
            }
        }

        return free;
    }

    /// <summary>Whether the compilation can use the generated code, and the handler classes of referenced assemblies.</summary>
    private sealed record Discovery(bool Enabled, EquatableArray<HandlerClass> Referenced)
    {
        public static Discovery Disabled { get; } = new(Enabled: false, EquatableArray<HandlerClass>.Empty);
    }

    /// <summary>Names of the pipeline's steps, for tests that check what the incremental driver reused.</summary>
    internal static class TrackingNames
    {
        public const string Declared = "DeclaredHandlers";
        public const string Referenced = "ReferencedHandlers";
    }
}
