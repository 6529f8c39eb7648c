namespace EventBus.Benchmarks.Infrastructure;

/// <summary>Setup-time checks: a row that silently delivers nothing would look fast and be wrong.</summary>
internal static class Verify
{
    public static void Equal(long expected, long actual, string what)
    {
        if (expected != actual)
        {
            throw new InvalidOperationException($"Benchmark setup check failed for {what}: expected {expected}, got {actual}.");
        }
    }
}
