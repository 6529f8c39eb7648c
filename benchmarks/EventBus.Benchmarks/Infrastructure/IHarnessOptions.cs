namespace EventBus.Benchmarks.Infrastructure;

/// <summary>What every harness mode's options say about where its report goes.</summary>
public interface IHarnessOptions
{
    /// <summary>The folder the report is written to.</summary>
    string OutputDirectory { get; }

    /// <summary>The report's file name without extension: <c>Name.md</c> and <c>Name.json</c>.</summary>
    string Name { get; }
}
