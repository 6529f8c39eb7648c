using System.Runtime.CompilerServices;

namespace EventBus.Benchmarks.Infrastructure;

internal static class Tasks
{
    /// <summary>Observes a task that normally completed synchronously, the way a caller that awaits it
    /// would, without paying for an await in the single-threaded rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Complete(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
