using EventBus.Diagnostics;

namespace EventBus.Delivery;

/// <summary>
/// Retries a failed handler per its <see cref="RetryPolicy"/>, then dead-letters the message.
/// Shared by subscriptions and work queues; one instance per consumer, safe for concurrent use.
/// </summary>
/// <remarks>
/// <para>The first attempt is made by the caller on its fast path (no allocation when it succeeds); the
/// runner is entered only after a failure. Counters are updated with interlocked operations: they
/// sit on the failure path only.</para>
/// <para>The consumer engine calls <see cref="RecordFailure"/> after each failed attempt and places the
/// next attempt itself (in place or on a timer); it counts the outcome, and this runner writes the dead
/// letter once the engine has decided on one.</para>
/// </remarks>
internal sealed class RetryRunner<T>
{
    private readonly RetryPolicy _policy;
    private readonly DeliveryEnvironment _environment;
    private readonly IDeadLetterSink _sink;
    private readonly string _source;
    private readonly ConsumerTelemetry _telemetry;
    private long _failedAttempts;
    private long _retried;
    private long _deadLetterSinkFailures;

    internal RetryRunner(RetryPolicy policy, DeliveryEnvironment environment, IDeadLetterSink? sink, string source)
    {
        _policy = policy;
        _environment = environment;
        _sink = sink ?? environment.DeadLetterSink;
        _source = source;
        _telemetry = environment.ForConsumer(source);
    }

    internal RetryPolicy Policy => _policy;

    internal long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    internal long Retried => Interlocked.Read(ref _retried);

    internal long DeadLetterSinkFailures => Interlocked.Read(ref _deadLetterSinkFailures);

    /// <summary>
    /// Counts and reports failed attempt <paramref name="attempt"/> and decides what comes next.
    /// Never throws (user callbacks are isolated by <see cref="DeliveryEnvironment"/>).
    /// </summary>
    /// <param name="messageType">The type of the message (or of the items of a failed batch).</param>
    /// <param name="context">The message's context, when one exists.</param>
    /// <param name="error">The exception of the failed attempt.</param>
    /// <param name="attempt">The number of the attempt that failed (1 for the first).</param>
    /// <param name="mayRetry">False when the caller will not retry whatever the policy says (at-most-once).</param>
    /// <returns>The backoff before the next attempt (counted as a retry), or <see langword="null"/> when
    /// the policy is exhausted and the caller should give the message up.</returns>
    internal TimeSpan? RecordFailure(Type messageType, EventContext? context, Exception error, int attempt, bool mayRetry)
    {
        Interlocked.Increment(ref _failedAttempts);
        var willRetry = mayRetry && attempt <= _policy.MaxRetries && IsWorthRetrying(error);
        var delay = willRetry ? _policy.GetDelay(attempt) : TimeSpan.Zero;
        ReportFailure(messageType, context, error, attempt, willRetry, delay);
        if (!willRetry)
        {
            return null;
        }

        Interlocked.Increment(ref _retried);
        _environment.Telemetry.RecordRetried(_source, _environment.Telemetry.DestinationOf(messageType, context));
        return delay;
    }

    /// <summary>Sends a message to the dead-letter sink, surfacing (never swallowing) a failing sink. The
    /// caller has counted the dead letter.</summary>
    internal async ValueTask DeadLetterAsync(
        T item, EventContext? context, Exception error, int attempts, DateTimeOffset firstFailedAt, CancellationToken stop)
    {
        var type = item?.GetType() ?? typeof(T);
        context ??= _environment.CreateContext(type, topic: null, options: null);
        _environment.Telemetry.RecordDeadLettered(_source, _environment.Telemetry.DestinationOf(type, context));
        Log.DeadLettered(_environment.Logger, error, _source, attempts, type.Name, context.Id);
        var deadLetter = new DeadLetter(item!, type, context, _source, error, attempts, firstFailedAt, _environment.Time.GetUtcNow());
        try
        {
            await _sink.WriteAsync(deadLetter, stop).ConfigureAwait(false);
        }
        catch (Exception sinkError)
        {
            Interlocked.Increment(ref _deadLetterSinkFailures);
            Log.DeadLetterSinkFailed(_environment.Logger, sinkError, _source, type.Name, context.Id);
            _environment.ReportError(new DeliveryError(
                DeliveryErrorKind.DeadLetterSinkFailed, sinkError, _source, type, context, attempts, willRetry: false));
        }
    }

    /// <summary>Calls <paramref name="handler"/> once, inside a process span when someone listens.</summary>
    internal ValueTask InvokeAsync(HandlerInvoker<T> handler, T item, EventContext? context, int attempt, CancellationToken cancellationToken) =>
        _telemetry.IsObserved
            ? _telemetry.InvokeAsync(handler, item, context, attempt, batchSize: 0, cancellationToken)
            : handler.InvokeAsync(item, context, cancellationToken);

    /// <summary>The telemetry of this consumer's handler attempts.</summary>
    internal ConsumerTelemetry Telemetry => _telemetry;

    private bool IsWorthRetrying(Exception error)
    {
        var shouldRetry = _policy.ShouldRetry;
        if (shouldRetry is null)
        {
            return true;
        }

        try
        {
            return shouldRetry(error);
        }
        catch (Exception predicateError)
        {
            Log.CallbackFailed(_environment.Logger, predicateError, nameof(RetryPolicy.ShouldRetry), _source);
            return false;
        }
    }

    private void ReportFailure(Type type, EventContext? context, Exception error, int attempt, bool willRetry, TimeSpan delay)
    {
        if (willRetry)
        {
            Log.HandlerFailedWillRetry(_environment.Logger, error, _source, attempt, type.Name, context?.Id, delay.TotalMilliseconds);
        }

        _environment.ReportError(new DeliveryError(DeliveryErrorKind.HandlerFailed, error, _source, type, context, attempt, willRetry));
    }
}
