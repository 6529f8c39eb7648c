using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// A handler filter (<c>AddFilter&lt;LogScopeFilter&gt;()</c>) that opens a logging scope around every handler call,
/// so each line a handler logs names the message id, the correlation id and the subscription: the same keys the bus's
/// spans, callbacks and dead letters use, without any handler passing them along.
/// </summary>
internal sealed class LogScopeFilter(ILogger<LogScopeFilter> logger) : IHandlerFilter
{
    private static readonly Func<ILogger, Guid, string, string, IDisposable?> s_scope =
        LoggerMessage.DefineScope<Guid, string, string>("message {MessageId}, correlation {CorrelationId}, subscription {Subscription}");

    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        using (s_scope(logger, context.EventContext.Id, context.EventContext.CorrelationId ?? "-", context.ConsumerName))
        {
            await next(context);
        }
    }
}
