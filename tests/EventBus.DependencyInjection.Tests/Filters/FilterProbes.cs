using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Tests.Filters;

/// <summary>A message that one class handles both as an event and as a work item, so one contract covers both.</summary>
public sealed record Job(int Number);

/// <summary>What the filters and the handler saw, shared with the test through the container (a singleton).</summary>
public sealed class FilterLog
{
    public ConcurrentQueue<string> Steps { get; } = new();

    /// <summary>Per handler call: the job, the scoped probe it got, and its context and token.</summary>
    public ConcurrentQueue<(int Job, int Probe, EventContext Context, CancellationToken Token)> Handled { get; } = new();

    /// <summary>Per <see cref="ScopeFilter"/> call: the job, the probe it was given, the probe of its context's scope, its context.</summary>
    public ConcurrentQueue<(int Job, int Probe, int ScopeProbe, HandlerFilterContext Context)> Filtered { get; } = new();

    /// <summary>Every exception a catching filter saw come out of next.</summary>
    public ConcurrentQueue<Exception> Seen { get; } = new();

    /// <summary>Every handler attempt (counted before the handler may throw).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public bool HandlerThrows { get; set; }

    /// <summary>What <see cref="KeepsNextFilter"/> kept: the next it did not call, and its context.</summary>
    public (HandlerFilterDelegate Next, HandlerFilterContext Context)? Kept { get; set; }

    private int _attempts;

    internal void CountAttempt() => Interlocked.Increment(ref _attempts);
}

public sealed class JobHandler(FilterLog log, ScopedProbe probe) : IEventHandler<Job>, IWorkItemHandler<Job>
{
    public ValueTask HandleAsync(Job @event, EventContext context, CancellationToken cancellationToken)
    {
        log.CountAttempt();
        log.Steps.Enqueue("handler");
        if (log.HandlerThrows)
        {
            throw new InvalidOperationException($"handler failed on job {@event.Number}");
        }

        probe.IsDisposed.Should().BeFalse("the scope lives until the pipeline returns");
        log.Handled.Enqueue((@event.Number, probe.Id, context, cancellationToken));
        return default;
    }
}

/// <summary>Writes "name&gt;" before next and "&lt;name" after, to show the order.</summary>
public abstract class RecordingFilter(FilterLog log, string name) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        log.Steps.Enqueue($"{name}>");
        await next(context);
        log.Steps.Enqueue($"<{name}");
    }
}

public sealed class GlobalA(FilterLog log) : RecordingFilter(log, "A");

public sealed class GlobalB(FilterLog log) : RecordingFilter(log, "B");

public sealed class OwnC(FilterLog log) : RecordingFilter(log, "C");

public sealed class OwnD(FilterLog log) : RecordingFilter(log, "D");

/// <summary>Takes the scoped probe itself and reads it again from its context's scope.</summary>
public sealed class ScopeFilter(FilterLog log, ScopedProbe probe) : IHandlerFilter
{
    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        var fromScope = context.Services.GetRequiredService<ScopedProbe>();
        log.Filtered.Enqueue((((Job)context.Message).Number, probe.Id, fromScope.Id, context));
        return next(context);
    }
}

public sealed class ShortCircuitFilter(FilterLog log) : IHandlerFilter
{
    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        log.Steps.Enqueue("short-circuit");
        return default;
    }
}

public sealed class RethrowingFilter(FilterLog log) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            log.Seen.Enqueue(ex);
            throw;
        }
    }
}

public sealed class SwallowingFilter(FilterLog log) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (InvalidOperationException ex)
        {
            log.Seen.Enqueue(ex);
        }
    }
}

public sealed class ThrowingFilter(FilterLog log) : IHandlerFilter
{
    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        log.Steps.Enqueue("refused");
        throw new UnauthorizedAccessException("tenant unknown");
    }
}

/// <summary>Calls next twice and records what the second call did.</summary>
public sealed class TwiceFilter(FilterLog log) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        await next(context);
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            log.Seen.Enqueue(ex);
            throw;
        }
    }
}

/// <summary>Returns without calling next, but keeps it for the test to call after the attempt.</summary>
public sealed class KeepsNextFilter(FilterLog log) : IHandlerFilter
{
    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        log.Kept = (next, context);
        return default;
    }
}

public sealed class MissingService;

public sealed class NeedsMissingServiceFilter(MissingService missing) : IHandlerFilter
{
    public ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next) => missing is null ? default : next(context);
}
