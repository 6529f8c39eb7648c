namespace EventBus.Internal;

/// <summary>
/// Marks the asynchronous flow of a consumer loop, so a publish made from inside a handler knows
/// it must not wait for buffer space (the loop it would wait on may be its own).
/// </summary>
/// <remarks>
/// The marker is set once when a consumer loop starts and flows into every handler the loop calls,
/// including their continuations after an <c>await</c>, so it costs nothing per event. It is read
/// only when a publish finds a buffer full.
/// </remarks>
internal static class HandlerScope
{
    private static readonly AsyncLocal<object?> s_current = new();

    /// <summary>The consumer (a subscription worker or a queue worker) whose handler is running, if any.</summary>
    internal static object? Current => s_current.Value;

    /// <summary>True when the caller runs inside any consumer's handler.</summary>
    internal static bool IsInsideHandler => s_current.Value is not null;

    internal static void Enter(object consumer) => s_current.Value = consumer;

    /// <summary>
    /// Starts a consumer loop on the thread pool without the caller's execution context, so the
    /// subscriber's ambient state (AsyncLocal values, <c>Activity.Current</c>) never leaks into handlers.
    /// </summary>
    internal static Task StartLoop<TState>(Func<TState, Task> loop, TState state)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => loop(state));
        }
    }

    /// <summary>
    /// Starts a consumer loop that parks at once: it runs on the caller's thread up to its first
    /// <c>await</c> (which must find nothing to do and must use <c>ConfigureAwait(false)</c>), then on
    /// the thread pool without the caller's execution context, as <see cref="StartLoop"/>'s loops do.
    /// The loop must call <see cref="Enter"/> after that first <c>await</c>: with the flow suppressed
    /// here, a mark set before it would not survive the <c>await</c>.
    /// </summary>
    /// <remarks>Saves the <see cref="Task.Run(Func{Task})"/> wrapper task and closure that every idle
    /// queued subscription would otherwise keep (about 70 bytes each, measured).</remarks>
    internal static Task StartParkedLoop<TState>(Func<TState, Task> loop, TState state)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return loop(state);
        }
    }
}
