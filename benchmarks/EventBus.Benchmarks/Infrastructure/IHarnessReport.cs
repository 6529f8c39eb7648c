namespace EventBus.Benchmarks.Infrastructure;

/// <summary>A harness mode's result: serialised whole to JSON, and shown as markdown.</summary>
public interface IHarnessReport
{
    string ToMarkdown();
}
