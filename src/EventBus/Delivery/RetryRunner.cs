using EventBus.Diagnostics;

namespace EventBus.Delivery;

/// <summary>
/// Retries a failed handler per its <see cref="RetryPolicy"/>, then dead-letters the message.
/// Shared by subscriptions and work queues; one instance per consumer, safe for concurrent use.
/// </summary>
/// <remarks>
/// The first attempt is made by the caller on its fast path (no allocation when it succeeds); the
/// runner is entered only after a failure. Counters are updated with interlocked operations: they
/// sit on the failure path only.
/// </remarks>
internal sealed class RetryRunner<T>
{
    private readonly HandlerInvoker<T> _handler;
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
    {
        _handler = handler;
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
        var firstFailedAt = _environment.Time.GetUtcNow();
        var attempt = failedAttempt;
        while (true)
        {
            if (stop.IsCancellationRequested && error is OperationCanceledException)
            {
                // The handler honoured our stop signal: that is not a failure of the handler.
                return DeliveryOutcome.Abandoned;
            }

            Interlocked.Increment(ref _failedAttempts);
            var willRetry = attempt <= _policy.MaxRetries && IsWorthRetrying(error);
            var delay = willRetry ? _policy.GetDelay(attempt) : TimeSpan.Zero;
            ReportFailure(item, context, error, attempt, willRetry, delay);

            if (!willRetry)
            {
                await DeadLetterAsync(item, context, error, attempt, firstFailedAt, stop).ConfigureAwait(false);
                return DeliveryOutcome.DeadLettered;
            }

            Interlocked.Increment(ref _retried);
            _environment.Telemetry.RecordRetried(_source, MessagingTelemetry.DestinationOf(item?.GetType() ?? typeof(T), context));
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
                await InvokeAsync(item, context, attempt, stop).ConfigureAwait(false);
                return DeliveryOutcome.Delivered;
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }
    }

    /// <summary>Sends a message to the dead-letter sink, surfacing (never swallowing) a failing sink.</summary>
    internal async ValueTask DeadLetterAsync(
        T item, EventContext? context, Exception error, int attempts, DateTimeOffset firstFailedAt, CancellationToken stop)
    {
        var type = item?.GetType() ?? typeof(T);
        context ??= _environment.CreateContext(type, topic: null, options: null);
        Interlocked.Increment(ref _deadLettered);
        _environment.Telemetry.RecordDeadLettered(_source, MessagingTelemetry.DestinationOf(type, context));
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

    /// <summary>Calls the handler once, inside a process span when someone listens.</summary>
    internal ValueTask InvokeAsync(T item, EventContext? context, int attempt, CancellationToken cancellationToken) =>
        _telemetry.IsObserved
            ? _telemetry.InvokeAsync(_handler, item, context, attempt, batchSize: 0, cancellationToken)
            : _handler.InvokeAsync(item, context, cancellationToken);

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

    private void ReportFailure(T item, EventContext? context, Exception error, int attempt, bool willRetry, TimeSpan delay)
    {
        var type = item?.GetType() ?? typeof(T);
        if (willRetry)
        {
            Log.HandlerFailedWillRetry(_environment.Logger, error, _source, attempt, type.Name, context?.Id, delay.TotalMilliseconds);
        }

        _environment.ReportError(new DeliveryError(DeliveryErrorKind.HandlerFailed, error, _source, type, context, attempt, willRetry));
    }
}
