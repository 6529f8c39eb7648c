using EventBus.Diagnostics;

namespace EventBus.Delivery;

/// <summary>Decides, counts and reports retries per a <see cref="RetryPolicy"/>, and writes dead letters; one per
/// consumer, safe for concurrent use. The engine makes the first attempt on its fast path, places each retry itself (in
/// place or on a timer) and counts the outcome; the interlocked counters here sit on the failure path only.</summary>
internal sealed class RetryRunner<T>
{
    private readonly RetryPolicy _policy;
    private readonly DeliveryEnvironment _environment;
    private readonly IDeadLetterSink _sink;
    private readonly string _source;
    private long _failedAttempts;
    private long _retried;

    internal RetryRunner(RetryPolicy policy, DeliveryEnvironment environment, IDeadLetterSink? sink, string source)
    {
        _policy = policy;
        _environment = environment;
        _sink = sink ?? environment.DeadLetterSink;
        _source = source;
        Telemetry = environment.ForConsumer(source);
    }

    internal long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    internal long Retried => Interlocked.Read(ref _retried);

    internal ConsumerTelemetry Telemetry { get; }

    /// <summary>Counts and reports failed attempt <paramref name="attempt"/> (1 for the first) of a message (or of a
    /// batch, typed by its items); never throws. <paramref name="mayRetry"/> is false when the caller will not retry
    /// whatever the policy says.</summary>
    /// <returns>The backoff before the next attempt (counted as a retry), or <see langword="null"/> when the caller
    /// should give the message up.</returns>
    internal TimeSpan? RecordFailure(Type messageType, EventContext? context, Exception error, int attempt, bool mayRetry)
    {
        Interlocked.Increment(ref _failedAttempts);
        var willRetry = mayRetry && attempt <= _policy.MaxRetries && IsWorthRetrying(error);
        var delay = willRetry ? _policy.GetDelay(attempt) : TimeSpan.Zero;
        if (willRetry)
        {
            Log.HandlerFailedWillRetry(_environment.Logger, error, _source, attempt, messageType.Name, context?.Id, delay.TotalMilliseconds);
        }

        _environment.ReportError(new DeliveryError(DeliveryErrorKind.HandlerFailed, error, _source, messageType, context, attempt, willRetry));
        if (!willRetry)
        {
            return null;
        }

        Interlocked.Increment(ref _retried);
        _environment.Telemetry.RecordRetried(_source, _environment.Telemetry.DestinationOf(messageType, context));
        return delay;
    }

    /// <summary>Sends a message the caller has counted as dead-lettered to the sink; a failing sink is surfaced.</summary>
    internal async ValueTask DeadLetterAsync(
        T item, EventContext? context, Exception error, int attempts, DateTimeOffset firstFailedAt, CancellationToken stop)
    {
        var type = item?.GetType() ?? typeof(T);
        context ??= _environment.CreateContext(type);
        _environment.Telemetry.RecordDeadLettered(_source, _environment.Telemetry.DestinationOf(type, context));
        Log.DeadLettered(_environment.Logger, error, _source, attempts, type.Name, context.Id);
        var deadLetter = new DeadLetter(item!, type, context, _source, error, attempts, firstFailedAt, _environment.Time.GetUtcNow());
        try
        {
            await _sink.WriteAsync(deadLetter, stop).ConfigureAwait(false);
        }
        catch (Exception sinkError)
        {
            Log.DeadLetterSinkFailed(_environment.Logger, sinkError, _source, type.Name, context.Id);
            _environment.ReportError(new DeliveryError(
                DeliveryErrorKind.DeadLetterSinkFailed, sinkError, _source, type, context, attempts, willRetry: false));
        }
    }

    /// <summary>Calls <paramref name="handler"/> once, inside a process span when someone listens.</summary>
    internal ValueTask InvokeAsync(HandlerInvoker<T> handler, T item, EventContext? context, int attempt, CancellationToken cancellationToken) =>
        Telemetry.IsObserved
            ? Telemetry.InvokeAsync(handler, item, context, attempt, batchSize: 0, cancellationToken)
            : handler.InvokeAsync(item, context, cancellationToken);

    private bool IsWorthRetrying(Exception error)
    {
        try
        {
            return _policy.ShouldRetry?.Invoke(error) ?? true;
        }
        catch (Exception predicateError)
        {
            Log.CallbackFailed(_environment.Logger, predicateError, nameof(RetryPolicy.ShouldRetry), _source);
            return false;
        }
    }
}
