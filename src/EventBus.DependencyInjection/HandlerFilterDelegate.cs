namespace EventBus;

/// <summary>The rest of a handler's filter pipeline, as an <see cref="IHandlerFilter"/> sees it: the next filter,
/// or the handler itself. Call it at most once per filter call.</summary>
/// <param name="context">The context the filter was given.</param>
/// <returns>A task that completes when the rest of the pipeline has run; it faults with the exception of the filter
/// or handler that failed.</returns>
public delegate ValueTask HandlerFilterDelegate(HandlerFilterContext context);
