using System.Diagnostics.CodeAnalysis;

namespace EventBus.Internal;

/// <summary>Throw sites kept out of hot methods so the JIT can inline the callers.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowArgumentNull(string paramName) => throw new ArgumentNullException(paramName);

    [DoesNotReturn]
    internal static void ThrowBusClosed(bool disposed) => throw new ObjectDisposedException(
        nameof(IEventBus),
        disposed
            ? "The event bus has been disposed and no longer accepts events or subscriptions."
            : "The event bus has been completed and no longer accepts events or subscriptions.");

    [DoesNotReturn]
    internal static void ThrowSubscriptionDisposed(string name) => throw new ObjectDisposedException(
        nameof(IEventSubscription), $"The subscription '{name}' has been disposed.");

    internal static ObjectDisposedException WorkQueueClosed(string name, bool disposed) => new(
        name,
        disposed
            ? $"The work queue '{name}' has been disposed and no longer accepts items."
            : $"The work queue '{name}' has been completed and no longer accepts items.");
}
