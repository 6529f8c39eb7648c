namespace EventBus.Internal;

/// <summary>Marks the asynchronous flow of a consumer loop (or of an inline delivery), so a publish made from inside a
/// handler knows it must not wait for buffer space: the loop it would wait on may be its own. The mark flows into every
/// handler the loop calls and into their continuations.</summary>
internal static class HandlerScope
{
    private static readonly AsyncLocal<object?> s_current = new();

    /// <summary>The consumer (a subscription worker or a queue worker) whose handler is running, if any.</summary>
    internal static object? Current => s_current.Value;

    internal static bool IsInsideHandler => s_current.Value is not null;

    /// <summary>The id of the item whose handler runs in this flow, for a publish's <see cref="EventContext.CausationId"/>.</summary>
    internal static Guid? HandledId => (s_current.Value as IHandlingSlot)?.Handling?.Id;

    internal static void Enter(object? consumer) => s_current.Value = consumer;

    /// <summary>Starts a consumer loop on the thread pool without the caller's execution context, so the subscriber's
    /// ambient state (AsyncLocal values, <c>Activity.Current</c>) never leaks into handlers.</summary>
    internal static Task StartLoop<TState>(Func<TState, Task> loop, TState state)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => loop(state));
        }
    }
}
