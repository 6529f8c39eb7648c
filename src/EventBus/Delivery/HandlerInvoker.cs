using System.Diagnostics;

namespace EventBus.Delivery;

/// <summary>One shape for the four kinds of handler (sync or async, with or without the context).</summary>
internal abstract class HandlerInvoker<T>
{
    /// <summary>True when the handler takes the <see cref="EventContext"/>, so the publisher must create one.</summary>
    internal abstract bool WantsContext { get; }

    /// <summary>Calls the handler once. May throw synchronously or return a faulted task.</summary>
    internal abstract ValueTask InvokeAsync(T item, EventContext? context, CancellationToken cancellationToken);

    internal static HandlerInvoker<T> Create(Action<T> handler) => new SyncInvoker(handler);

    internal static HandlerInvoker<T> Create(Action<T, EventContext> handler) => new SyncWithContextInvoker(handler);

    internal static HandlerInvoker<T> Create(Func<T, CancellationToken, ValueTask> handler) => new AsyncInvoker(handler);

    internal static HandlerInvoker<T> Create(Func<T, EventContext, CancellationToken, ValueTask> handler) =>
        new AsyncWithContextInvoker(handler);

    /// <summary>The synchronous handler without context, when this is one; the inline fast path calls it directly.</summary>
    internal virtual Action<T>? SyncHandler => null;

    private sealed class SyncInvoker(Action<T> handler) : HandlerInvoker<T>
    {
        internal override bool WantsContext => false;

        internal override Action<T> SyncHandler => handler;

        internal override ValueTask InvokeAsync(T item, EventContext? context, CancellationToken cancellationToken)
        {
            handler(item);
            return default;
        }
    }

    private sealed class SyncWithContextInvoker(Action<T, EventContext> handler) : HandlerInvoker<T>
    {
        internal override bool WantsContext => true;

        internal override ValueTask InvokeAsync(T item, EventContext? context, CancellationToken cancellationToken)
        {
            Debug.Assert(context is not null, "The route creates a context for handlers that take one.");
            handler(item, context);
            return default;
        }
    }

    private sealed class AsyncInvoker(Func<T, CancellationToken, ValueTask> handler) : HandlerInvoker<T>
    {
        internal override bool WantsContext => false;

        internal override ValueTask InvokeAsync(T item, EventContext? context, CancellationToken cancellationToken) =>
            handler(item, cancellationToken);
    }

    private sealed class AsyncWithContextInvoker(Func<T, EventContext, CancellationToken, ValueTask> handler) : HandlerInvoker<T>
    {
        internal override bool WantsContext => true;

        internal override ValueTask InvokeAsync(T item, EventContext? context, CancellationToken cancellationToken)
        {
            Debug.Assert(context is not null, "The route creates a context for handlers that take one.");
            return handler(item, context, cancellationToken);
        }
    }
}
