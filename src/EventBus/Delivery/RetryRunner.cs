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
/// <para>Two ways to use it: <see cref="ContinueAfterFailureAsync"/> retries in place (a subscription
/// keeps its order by waiting out the backoff), while a work queue calls <see cref="RecordFailure"/>
/// after each failed attempt and schedules the next attempt itself, so a backoff never holds a worker.</para>
/// </remarks>
internal sealed class RetryRunner<T>
{
    private readonly HandlerInvoker<T>? _handler;
    private readonly RetryPolicy _policy;
    private readonly DeliveryEnvironment _environment;
    private readonly IDeadLetterSink _sink;
    private readonly string _source;
    private readonly ConsumerTelemetry _telemetry;
    private long _failedAttempts;
    private long _retried;
    private long _deadLettered;
    private long _deadLetterSinkFailures;

    internal RetryRunner(HandlerInvoker<T> handler, RetryPolicy policy, DeliveryEnvironment environment, IDeadLetterSink? sink, string source)
        : this(policy, environment, sink, source)
    {
        _handler = handler;
    }

    /// <summary>A runner for a caller that makes every attempt itself (<see cref="RecordFailure"/> and
    /// <see cref="DeadLetterAsync"/> only; <see cref="ContinueAfterFailureAsync"/> needs a handler).</summary>
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

    internal long DeadLettered => Interlocked.Read(ref _deadLettered);

    internal long DeadLetterSinkFailures => Interlocked.Read(ref _deadLetterSinkFailures);

    /// <summary>
    /// Carries on after attempt <paramref name="failedAttempt"/> threw <paramref name="error"/>:
    /// waits the backoff, tries again, and dead-letters the message once the policy is exhausted.
    /// Never throws.
    /// </summary>
    /// <param name="item">The message.</param>
    /// <param name="context">Its context, when one exists.</param>
    /// <param name="error">The exception of the failed attempt.</param>
    /// <param name="failedAttempt">The number of the attempt that failed (1 for the first).</param>
    /// <param name="stop">Fires when the consumer is disposed or its drain deadline passes.</param>
    internal async ValueTask<DeliveryOutcome> ContinueAfterFailureAsync(
        T item, EventContext? context, Exception error, int failedAttempt, CancellationToken stop)
    {
        var handler = _handler ?? throw new InvalidOperationException("This runner was created without a handler.");
        var firstFailedAt = _environment.Time.GetUtcNow();
        var attempt = failedAttempt;
        while (true)
        {
            if (stop.IsCancellationRequested && error is OperationCanceledException)
            {
                // The handler honoured our stop signal: that is not a failure of the handler.
                return DeliveryOutcome.Abandoned;
            }

            if (RecordFailure(item?.GetType() ?? typeof(T), context, error, attempt, mayRetry: true) is not { } delay)
            {
                await DeadLetterAsync(item, context, error, attempt, firstFailedAt, stop).ConfigureAwait(false);
                return DeliveryOutcome.DeadLettered;
            }

            try
            {
                await Task.Delay(delay, _environment.Time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return DeliveryOutcome.Abandoned;
            }

            attempt++;
            try
            {
                await InvokeAsync(handler, item, context, attempt, stop).ConfigureAwait(false);
                return DeliveryOutcome.Delivered;
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }
    }

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

    /// <summary>Sends a message to the dead-letter sink, surfacing (never swallowing) a failing sink.</summary>
    internal async ValueTask DeadLetterAsync(
        T item, EventContext? context, Exception error, int attempts, DateTimeOffset firstFailedAt, CancellationToken stop)
    {
        var type = item?.GetType() ?? typeof(T);
        context ??= _environment.CreateContext(type, topic: null, options: null);
        Interlocked.Increment(ref _deadLettered);
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

    /// <summary>Calls this runner's handler once, inside a process span when someone listens.</summary>
    internal ValueTask InvokeAsync(T item, EventContext? context, int attempt, CancellationToken cancellationToken) =>
        InvokeAsync(_handler ?? throw new InvalidOperationException("This runner was created without a handler."), item, context, attempt, cancellationToken);

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
