namespace EventBus.Reliability.Tests;

/// <summary>
/// Tests that measure the whole process (managed heap size) run alone: xunit runs this collection
/// after the parallel ones, with nothing else in flight, so other tests' allocations do not count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "isolated (process-wide measurements)";
}
