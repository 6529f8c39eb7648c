using System.Diagnostics.CodeAnalysis;

namespace EventBus.Internal;

/// <summary>Throw sites kept out of hot methods so the JIT can inline the callers.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowArgumentNull(string paramName) => throw new ArgumentNullException(paramName);

    [DoesNotReturn]
    internal static void ThrowBusClosed(bool disposed) => throw new ObjectDisposedException(
        nameof(IEventBus), $"The event bus has been {(disposed ? "disposed" : "completed")} and no longer accepts events or subscriptions.");

    internal static ObjectDisposedException WorkQueueClosed(string name, bool disposed) => new(
        name, $"The work queue '{name}' has been {(disposed ? "disposed" : "completed")} and no longer accepts items.");
}
