using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Generators.Tests;

/// <summary>Compiles snippets against the .NET 10 reference assemblies and the EventBus packages, runs the
/// discovery generator over them, and hands back what it produced.</summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(IEventBus).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(IEventHandler<>).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(IServiceCollection).Assembly.Location),
    ];

    /// <summary>Net100 alone: a project that does not reference EventBus.DependencyInjection.</summary>
    internal static ImmutableArray<MetadataReference> FrameworkOnly => [.. Net100.References.All];

    internal static CSharpCompilation Compilation(string source, string assemblyName = "App", IEnumerable<MetadataReference>? references = null, IEnumerable<MetadataReference>? extra = null) =>
        CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, s_parse, path: $"{assemblyName}.cs")],
            [.. references ?? s_references, .. extra ?? []],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    internal static GeneratorRun Run(string source, IEnumerable<MetadataReference>? extra = null) => Run(Compilation(source, extra: extra));

    internal static GeneratorRun Run(CSharpCompilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver, output, diagnostics);
    }

    internal static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new HandlerDiscoveryGenerator().AsSourceGenerator()],
        parseOptions: s_parse,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Compiles <paramref name="source"/> as a library and returns a reference to its image.</summary>
    internal static MetadataReference Library(string source, string assemblyName)
    {
        var compilation = Compilation(source, assemblyName);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        emitted.Success.Should().BeTrue(string.Join(Environment.NewLine, emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }
}

/// <summary>One run of the generator.</summary>
internal sealed record GeneratorRun(GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>The generated AddEventBusHandlers() source, or null when nothing was generated.</summary>
    public string? Source => Driver.GetRunResult().GeneratedTrees.SingleOrDefault()?.GetText().ToString();

    /// <summary>The generated registration lines (one AddHandler or AddWorkQueue call each).</summary>
    public IReadOnlyList<string> Registrations =>
        Source is null ? [] : [.. Source.Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("global::Microsoft.Extensions.DependencyInjection.EventBusBuilderExtensions.", StringComparison.Ordinal))
            .Select(line => line["global::Microsoft.Extensions.DependencyInjection.EventBusBuilderExtensions.".Length..].Replace("global::", "", StringComparison.Ordinal))];

    /// <summary>The errors of the compilation with the generated code added.</summary>
    public IReadOnlyList<Diagnostic> CompileErrors => [.. Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

    /// <summary>The source text a diagnostic points at (its location names the file and span, without the tree).</summary>
    public string TextAt(Location location)
    {
        var path = location.GetLineSpan().Path;
        return Output.SyntaxTrees.Single(tree => tree.FilePath == path).GetText().ToString(location.SourceSpan);
    }

    /// <summary>The generator's diagnostic with this id (exactly one is expected).</summary>
    public Diagnostic Single(string id) => Diagnostics.Should().ContainSingle(d => d.Id == id).Which;
}
