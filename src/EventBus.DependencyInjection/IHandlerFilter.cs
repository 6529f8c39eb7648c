namespace EventBus;

/// <summary>
/// Code that runs around every call of a handler class: log enrichment, a tenant read from the headers, a
/// transaction per item, timing. Register it for every handler class and work queue of the bus with
/// <c>AddFilter&lt;TFilter&gt;()</c>, or for one handler through the <see cref="HandlerFilterList"/> overloads of
/// <c>AddHandler</c> and <c>AddWorkQueue</c> (for a discovered handler class, <see cref="EventBusHandlerAttribute.Filters"/>).
/// </summary>
/// <remarks>
/// <para><b>Order.</b> Global filters run first, in the order they were added (the first added is the outermost),
/// then the handler's own filters in their order, then the handler. A filter type appears once in a pipeline: one
/// that is both global and the handler's own runs at its global place only.</para>
/// <para><b>Scope.</b> A filter is resolved from the same dependency-injection scope as the handler (<see
/// cref="HandlerFilterContext.Services"/>), one scope per event or item, when its turn comes. <c>AddFilter</c> and
/// <see cref="HandlerFilterList.Add{TFilter}"/> register the filter class as scoped unless it is registered already,
/// so a filter registered as a singleton beforehand is shared (and must then be thread-safe). To hand something
/// to the handler, put it in a scoped service both of them inject.</para>
/// <para><b>Outcome.</b> A filter that returns without calling <c>next</c> short-circuits: the handler does not run
/// and the call counts as handled (delivered). An exception out of <c>next</c> reaches the filter: catching it
/// turns the attempt into a success; letting it (or any other exception) out fails the attempt exactly as a failing
/// handler does, so the retry policy and dead-lettering apply unchanged.</para>
/// <para><b>Once per attempt.</b> The pipeline runs again, with a new scope, for every retry: a filter sees each
/// attempt (<see cref="EventContext.DeliveryAttempt"/> is counted by durable queues only).</para>
/// <para><b><c>next</c> at most once.</b> Calling <c>next</c> a second time, or after the filter's own task completed,
/// returns a task faulted with an <see cref="InvalidOperationException"/> naming the filter; the handler does not
/// run again. Unless the filter catches it, the attempt fails with it.</para>
/// </remarks>
public interface IHandlerFilter
{
    /// <summary>Runs around one call of a handler: usually does its work, awaits <paramref name="next"/>, and does
    /// more work after.</summary>
    /// <param name="context">The message, its event context, the handler and consumer it is bound for, the event's
    /// scope and the attempt's cancellation token.</param>
    /// <param name="next">Runs the rest of the pipeline (the next filter, or the handler). Call it at most once,
    /// with <paramref name="context"/>, and await it before returning.</param>
    /// <returns>A task that completes when the call is handled; a fault fails the attempt.</returns>
    ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next);
}
