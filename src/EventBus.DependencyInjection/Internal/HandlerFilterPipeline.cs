using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Internal;

/// <summary>
/// The filters around one handler registration, built once when its subscription or work queue is created, and only
/// when it has filters: a handler without any keeps its direct call and pays nothing for this type.
/// </summary>
/// <remarks>Each attempt gets a scope and a <see cref="HandlerFilterContext"/>; the <c>next</c> delegates are made here,
/// one per filter, so an attempt allocates no delegate. A context counts the components entered (filters, then the
/// handler), which is how a second call of one <c>next</c> is told from the next filter's first.</remarks>
internal sealed class HandlerFilterPipeline
{
    /// <summary>The value of <see cref="HandlerFilterContext.Entered"/> once the attempt is over.</summary>
    internal const int Completed = int.MaxValue;

    private readonly IServiceScopeFactory _scopes;
    private readonly Type[] _filters;
    private readonly HandlerFilterDelegate[] _next;
    private readonly HandlerFilterDelegate _handler;

    private HandlerFilterPipeline(
        IServiceScopeFactory scopes, Type[] filters, HandlerFilterDelegate handler, Type messageType, Type handlerType, string consumerName, bool isWorkItem)
    {
        _scopes = scopes;
        _filters = filters;
        _handler = handler;
        MessageType = messageType;
        HandlerType = handlerType;
        ConsumerName = consumerName;
        IsWorkItem = isWorkItem;
        _next = new HandlerFilterDelegate[filters.Length];
        for (var i = 0; i < filters.Length; i++)
        {
            var component = i + 1;
            _next[i] = context => Enter(context, component);
        }
    }

    internal Type MessageType { get; }

    internal Type HandlerType { get; }

    internal string ConsumerName { get; }

    internal bool IsWorkItem { get; }

    /// <summary>The filter types around a handler whose own filters are <paramref name="own"/>: the global ones in the
    /// order they were added, then the handler's own that are not global, in theirs.</summary>
    internal static Type[] FilterTypes(IServiceProvider services, IReadOnlyList<Type> own)
    {
        List<Type>? types = null;
        foreach (var global in services.GetServices<GlobalHandlerFilter>())
        {
            (types ??= []).Add(global.FilterType);
        }

        foreach (var type in own)
        {
            if (types is null || !types.Contains(type))
            {
                (types ??= []).Add(type);
            }
        }

        return types is null ? [] : [.. types];
    }

    /// <summary>The pipeline around a handler, or <see langword="null"/> when no filter applies to it.</summary>
    /// <param name="services">The root provider: global filters, and the scope factory.</param>
    /// <param name="own">The handler's own filters.</param>
    /// <param name="handler">Resolves the handler from the context's scope and calls it.</param>
    /// <param name="messageType">The type the handler was registered for.</param>
    /// <param name="handlerType">The handler class.</param>
    /// <param name="consumerName">The subscription's or queue's name.</param>
    /// <param name="isWorkItem">Whether it is a work queue's handler.</param>
    internal static HandlerFilterPipeline? Create(
        IServiceProvider services, IReadOnlyList<Type> own, HandlerFilterDelegate handler, Type messageType, Type handlerType, string consumerName, bool isWorkItem)
    {
        var filters = FilterTypes(services, own);
        return filters.Length == 0
            ? null
            : new HandlerFilterPipeline(services.GetRequiredService<IServiceScopeFactory>(), filters, handler, messageType, handlerType, consumerName, isWorkItem);
    }

    /// <summary>Handles one attempt: a scope of its own, the filters in order, the handler last.</summary>
    internal async ValueTask HandleAsync(object message, EventContext eventContext, CancellationToken cancellationToken)
    {
        var scope = ContainerDisposedException.CreateScope(_scopes, HandlerType);
        await using (scope.ConfigureAwait(false))
        {
            var context = new HandlerFilterContext(this, message, eventContext, scope.ServiceProvider, cancellationToken);
            try
            {
                await Enter(context, 0).ConfigureAwait(false);
            }
            finally
            {
                // A next kept by a filter and called later finds the attempt over (and its scope gone).
                Volatile.Write(ref context.Entered, Completed);
            }
        }
    }

    /// <summary>Runs component <paramref name="component"/>: filter number <paramref name="component"/>, or the handler
    /// after the last filter. Entering a component twice, or after the attempt, is refused.</summary>
    private ValueTask Enter(HandlerFilterContext context, int component)
    {
        var entered = Interlocked.CompareExchange(ref context.Entered, component + 1, component);
        if (entered != component)
        {
            return ValueTask.FromException(Misuse(component - 1, afterCompletion: entered == Completed));
        }

        if (component == _filters.Length)
        {
            return _handler(context);
        }

        var filter = (IHandlerFilter)context.Services.GetRequiredService(_filters[component]);
        return filter.InvokeAsync(context, _next[component]);
    }

    private InvalidOperationException Misuse(int filter, bool afterCompletion) => new(afterCompletion
        ? $"The handler filter {_filters[filter].FullName} called next after the attempt it wraps had completed (handler {HandlerType.FullName}, consumer '{ConsumerName}'). A filter awaits next before its own task completes."
        : $"The handler filter {_filters[filter].FullName} called next more than once in one attempt (handler {HandlerType.FullName}, consumer '{ConsumerName}'). A filter calls next at most once; the handler was not called again.");
}
