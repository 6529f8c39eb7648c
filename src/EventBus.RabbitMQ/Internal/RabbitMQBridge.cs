using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// The bridge: one connection per application instance, a confirming channel for everything it publishes
/// (events and dead letters), and a channel per inbound queue. Started by the host after the bus, stopped
/// before it: inbound queues stop first, so nothing new arrives while the bus drains, and the connection
/// stays open until the container is disposed, so the bus's drain can still forward to the broker.
/// </summary>
internal sealed class RabbitMQBridge : IRabbitMQBridge, IHostedService, IAsyncDisposable
{
    private readonly BridgeCounters _counters = new();
    private readonly List<IEventSubscription> _forwarders = [];
    private readonly List<InboundEndpoint> _endpoints = [];
    private readonly Lock _readyGate = new();
    private readonly SemaphoreSlim _publishChannelGate = new(1, 1);
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _connection;
    private IChannel? _publishChannel;
    private DeadLetterQueue? _observedDeadLetters;
    private IEventBus? _bus;
    private EventBusOptions? _busOptions;
    private BridgeTelemetry? _telemetry;
    private ILogger _logger = NullLogger.Instance;
    private BrokerConnector? _connector;
    private volatile bool _disposed;

    internal RabbitMQBridge(RabbitMQOptions options, IServiceProvider services)
    {
        Options = options;
        Services = services;
        InstanceName = options.InstanceName ?? DefaultInstanceName();
        Endpoint = options.Connection.ToString();
        UserName = options.Connection.Resolve().UserName;
        SourceName = options.Source ?? $"/{Assembly.GetEntryAssembly()?.GetName().Name ?? "eventbus"}";
    }

    internal RabbitMQOptions Options { get; }

    internal IServiceProvider Services { get; }

    internal string InstanceName { get; }

    internal string SourceName { get; }

    /// <summary>The broker's address with the password redacted, for logs and exceptions.</summary>
    internal string Endpoint { get; }

    /// <summary>The user the connection authenticates as: set as <c>user_id</c> on what the bridge sends, which the
    /// broker verifies, so receivers can trust it.</summary>
    internal string? UserName { get; }

    internal IEventBus Bus => _bus ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal EventBusOptions BusOptions => _busOptions ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal BridgeTelemetry Telemetry => _telemetry ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal TimeProvider Time => _busOptions?.TimeProvider ?? TimeProvider.System;

    internal ILogger Logger => _logger;

    /// <summary>The copies of local dead letters on their way to the dead-letter exchange, per publish of an
    /// inbound event, so that its delivery is acknowledged only once they arrived.</summary>
    private readonly ConditionalWeakTable<EventContext, DeadLetterCopies> _deadLetterCopies = new();

    public bool IsConnected => _connection is { IsOpen: true };

    public string? InstanceQueueName { get; private set; }

    public RabbitMQBridgeStatistics GetStatistics() => _counters.Snapshot();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Options.Validate();
        foreach (var type in Options.MessageTypes)
        {
            type.Resolve(Options.SerializerOptions);
        }

        _busOptions = Services.GetRequiredService<IOptions<EventBusOptions>>().Value;
        _bus = Services.GetRequiredService<IEventBus>();
        _logger = (_busOptions.LoggerFactory ?? Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(Log.CategoryName);
        _telemetry = new BridgeTelemetry(_busOptions.MeterFactory);
        _connector = new BrokerConnector(Options.Connection, Options.Connection.ClientProvidedName ?? $"eventbus:{InstanceName}", _logger);
        BuildEndpoints();

        // Forwarders first: events published while we connect wait in their buffers.
        foreach (var registration in Options.Outbound)
        {
            _forwarders.Add(registration.Subscribe(_bus, this, Options));
        }

        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (_busOptions.DeadLetterSink is DeadLetterQueue deadLetters)
        {
            _observedDeadLetters = deadLetters;
            deadLetters.Added += OnLocalDeadLetter;
        }

        Log.Connected(_logger, Endpoint, InstanceName, Options.ExchangeName, _forwarders.Count, _endpoints.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Only the inbound side stops here; outbound forwarding runs until the bus has drained.
        foreach (var endpoint in _endpoints)
        {
            await endpoint.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_observedDeadLetters is not null)
        {
            _observedDeadLetters.Added -= OnLocalDeadLetter;
        }

        foreach (var forwarder in _forwarders)
        {
            forwarder.Dispose();
        }

        foreach (var endpoint in _endpoints)
        {
            await endpoint.StopAsync(CancellationToken.None).ConfigureAwait(false);
            endpoint.Dispose();
        }

        if (_publishChannel is not null)
        {
            await CloseQuietlyAsync(_publishChannel.CloseAsync()).ConfigureAwait(false);
            _publishChannel.Dispose();
        }

        if (_connection is not null)
        {
            await CloseQuietlyAsync(_connection.CloseAsync()).ConfigureAwait(false);
            _connection.Dispose();
        }

        _telemetry?.Dispose();
        _publishChannelGate.Dispose();
    }

    /// <summary>Publishes one local event to the exchange and returns once the broker confirmed it. Throws
    /// (and the forwarding subscription retries) when the broker is away, silent or refuses it; throws an exception
    /// that <see cref="IsPermanentForwardFailure"/> recognises (and nothing retries) when the event cannot be sent
    /// as it is.</summary>
    internal async ValueTask ForwardAsync<T>(MessageType<T> type, string routingKey, T @event, EventContext context, CancellationToken cancellationToken)
    {
        if (IsEcho(context, routingKey))
        {
            // It came in from the broker on this very route: sending it back would loop between the instances.
            Interlocked.Increment(ref _counters.SkippedEchoes);
            Telemetry.RecordSkippedEcho(Options.ExchangeName, routingKey);
            Log.EchoSkipped(_logger, type.Name, context.Id, context.Headers.GetValueOrDefault(RabbitMQContextHeaders.MessageId), Options.ExchangeName, routingKey);
            return;
        }

        var parent = context.TraceContext != default ? context.TraceContext : Activity.Current?.Context ?? default;
        using var activity = BridgeTelemetry.StartPublish(Options.ExchangeName, routingKey, context.Id, parent);
        try
        {
            var body = type.Serialize(@event);
            if (body.Length > Options.MaxMessageSize)
            {
                throw new RabbitMQMessageTooLargeException(
                    string.Create(CultureInfo.InvariantCulture, $"{type.Name} {context.Id} is {body.Length} bytes as JSON, more than MaxMessageSize ({Options.MaxMessageSize} bytes): it is not sent."),
                    body.Length,
                    Options.MaxMessageSize);
            }

            var properties = Envelope.Create(type, context, SourceName, activity?.Context ?? parent, UserName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.PublishTimeout);
            try
            {
                var channel = await WaitForPublishChannelAsync(timeout.Token).ConfigureAwait(false);
                await channel.BasicPublishAsync(Options.ExchangeName, routingKey, mandatory: true, properties, body, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"No connection to the broker, or no confirm from it, within {Options.PublishTimeout.TotalSeconds} s (PublishTimeout).");
            }

            Interlocked.Increment(ref _counters.Sent);
            Telemetry.RecordSent(Options.ExchangeName, routingKey, null);
        }
        catch (PublishReturnException)
        {
            // Accepted and confirmed, but no queue was bound for it: nobody can receive it, now or by retrying.
            Interlocked.Increment(ref _counters.Unroutable);
            Telemetry.RecordUnroutable(Options.ExchangeName, routingKey);
            Log.Unroutable(_logger, type.Name, context.Id, Options.ExchangeName, routingKey);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _counters.SendFailures);
            BridgeTelemetry.Fail(activity, ex);
            Telemetry.RecordSent(Options.ExchangeName, routingKey, ex);
            if (IsPermanentForwardFailure(ex))
            {
                Log.ForwardRefused(_logger, type.Name, context.Id, Options.ExchangeName, ex.Message);
            }
            else
            {
                Log.ForwardFailed(_logger, ex, type.Name, context.Id, Options.ExchangeName);
            }

            throw;
        }
    }

    /// <summary>A forward that no retry can fix: the event is too large, cannot be serialized, or carries a header
    /// receivers refuse. It goes to the dead-letter sink at once.</summary>
    internal static bool IsPermanentForwardFailure(Exception exception) =>
        exception is RabbitMQMessageTooLargeException or ArgumentException or JsonException or NotSupportedException;

    /// <summary>True when the event came in from the broker on the exchange and routing key it would now be sent
    /// to. Only that is an echo: an event relayed from one route and published again to another is forwarded.</summary>
    private bool IsEcho(EventContext context, string routingKey) =>
        context.Headers.TryGetValue(RabbitMQContextHeaders.Exchange, out var exchange)
        && context.Headers.TryGetValue(RabbitMQContextHeaders.RoutingKey, out var from)
        && string.Equals(exchange, Options.ExchangeName, StringComparison.Ordinal)
        && string.Equals(from, routingKey, StringComparison.Ordinal);

    /// <summary>Publishes a copy of a delivery to the dead-letter exchange with the reason in its headers, and
    /// returns once the broker confirmed it.</summary>
    internal async Task PublishDeadLetterAsync(IncomingMessage message, string queue, string reason, string detail, Exception? exception, int attempts)
    {
        var headers = new Dictionary<string, object?>(message.RawHeaders, StringComparer.Ordinal);
        AddDeadLetterHeaders(headers, queue, message.Exchange, message.RoutingKey, reason, detail, exception, attempts);
        if (message.Properties.UserId is { } user)
        {
            headers[RabbitMQHeaders.OriginalUserId] = user;
        }

        // The original properties as they came (what was read from headers may not fit a property); but not its
        // user_id, which the broker would refuse from this user, nor its expiry, which would drop the dead letter.
        var properties = new BasicProperties(message.Properties)
        {
            Persistent = true,
            UserId = null,
            Expiration = null,
            Headers = headers,
        };
        await PublishToDeadLetterExchangeAsync(message.RoutingKey, properties, message.Body).ConfigureAwait(false);
    }

    internal void CountReceived(string queue, bool redelivered)
    {
        Interlocked.Increment(ref _counters.Received);
        if (redelivered)
        {
            Interlocked.Increment(ref _counters.Redelivered);
        }

        Telemetry.RecordConsumed(queue, redelivered);
    }

    internal void CountAcknowledged() => Interlocked.Increment(ref _counters.Acknowledged);

    internal void CountRequeued() => Interlocked.Increment(ref _counters.Requeued);

    internal void CountDeadLettered(string queue, string reason)
    {
        Interlocked.Increment(ref _counters.DeadLettered);
        Telemetry.RecordDeadLettered(queue, reason);
    }

    /// <summary>A local subscriber gave up on an event that came from the broker: put a copy on the dead-letter
    /// exchange, with the subscription and the failure in its headers, so the broker's dead letters tell the
    /// whole story. The delivery is acknowledged once the copy arrived (see <see cref="DeadLetterCopiesSentAsync"/>).
    /// Used as the <see cref="DeadLetterQueue.Added"/> handler and by <see cref="RelayDeadLetterSink"/>.</summary>
    internal void OnLocalDeadLetter(DeadLetter deadLetter)
    {
        if (_disposed || deadLetter.Source.StartsWith("rabbitmq", StringComparison.Ordinal))
        {
            return;
        }

        // Every inbound event is published with a context that says where the broker delivered it from.
        if (deadLetter.Context is not { } context || !context.Headers.ContainsKey(RabbitMQContextHeaders.RoutingKey))
        {
            return;
        }

        var relayed = new RelayedEvent(context.Headers, context.CorrelationId, context.Topic);
        MessageType? type = null;
        foreach (var registration in Options.Subscriptions)
        {
            if (registration.Type.ClrType == deadLetter.MessageType)
            {
                type = registration.Type;
                break;
            }
        }

        if (type is not null)
        {
            _deadLetterCopies.GetOrCreateValue(context).Add(ForwardLocalDeadLetterAsync(deadLetter, relayed, type));
        }
    }

    /// <summary>Waits for the dead-letter copies made for the publish of <paramref name="context"/>; true when
    /// there was at least one and the broker confirmed each.</summary>
    internal async Task<bool> DeadLetterCopiesSentAsync(EventContext context)
    {
        if (!_deadLetterCopies.TryGetValue(context, out var copies))
        {
            return false;
        }

        var sent = await Task.WhenAll(copies.Snapshot()).ConfigureAwait(false);
        return Array.TrueForAll(sent, static ok => ok);
    }

    private async Task<bool> ForwardLocalDeadLetterAsync(DeadLetter deadLetter, RelayedEvent relayed, MessageType type)
    {
        relayed.Headers.TryGetValue(RabbitMQContextHeaders.MessageId, out var messageId);
        try
        {
            var body = type.SerializeObject(deadLetter.Message);
            relayed.Headers.TryGetValue(RabbitMQContextHeaders.RoutingKey, out var routingKey);
            var headers = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [RabbitMQHeaders.SpecVersion] = "1.0",
                [RabbitMQHeaders.Id] = messageId,
                [RabbitMQHeaders.Type] = type.Name,
                [RabbitMQHeaders.DataContentType] = Envelope.JsonContentType,
                [RabbitMQHeaders.SchemaVersion] = type.SchemaVersion.ToString(CultureInfo.InvariantCulture),
            };
            if (relayed.Headers.TryGetValue(RabbitMQContextHeaders.Source, out var source))
            {
                headers[RabbitMQHeaders.Source] = source;
            }

            if (relayed.Headers.TryGetValue(RabbitMQContextHeaders.Time, out var time))
            {
                headers[RabbitMQHeaders.Time] = time;
            }

            if (relayed.Topic is not null)
            {
                headers[RabbitMQHeaders.Subject] = relayed.Topic;
            }

            if (relayed.Headers.TryGetValue(RabbitMQContextHeaders.UserId, out var sender))
            {
                headers[RabbitMQHeaders.OriginalUserId] = sender;
            }

            foreach (var (key, value) in relayed.Headers)
            {
                if (!Envelope.IsBridgeHeader(key))
                {
                    headers[RabbitMQHeaders.HeaderPrefix + key] = value;
                }
            }

            AddDeadLetterHeaders(
                headers, $"{InstanceQueueName}/{deadLetter.Source}", Options.ExchangeName, routingKey ?? type.Name,
                RabbitMQDeadLetterReasons.HandlerFailed, RelayHandler<object>.Describe(deadLetter.Exception), deadLetter.Exception, deadLetter.Attempts);
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = Envelope.JsonContentType,
                CorrelationId = Envelope.FitsProperty(relayed.CorrelationId),
                MessageId = Envelope.FitsProperty(messageId),
                Type = type.Name,
                Headers = headers,
            };
            await PublishToDeadLetterExchangeAsync(routingKey ?? type.Name, properties, body).ConfigureAwait(false);
            CountDeadLettered(InstanceQueueName ?? Options.ExchangeName, RabbitMQDeadLetterReasons.HandlerFailed);
            return true;
        }
        catch (Exception ex)
        {
            Log.LocalDeadLetterForwardFailed(_logger, ex, type.Name, messageId);
            return false;
        }
    }

    private void AddDeadLetterHeaders(
        Dictionary<string, object?> headers, string queue, string exchange, string routingKey, string reason, string detail, Exception? exception, int attempts)
    {
        // The detail quotes what the sender sent (a type name, a parser's complaint about the body): escaped and capped.
        headers[RabbitMQHeaders.DeadLetterReason] = reason;
        headers[RabbitMQHeaders.DeadLetterDetail] = SenderText.Escape(detail, SenderText.HeaderLimit);
        if (exception is not null)
        {
            headers[RabbitMQHeaders.ExceptionType] = exception.GetType().FullName;
        }

        headers[RabbitMQHeaders.Attempts] = attempts.ToString(CultureInfo.InvariantCulture);
        headers[RabbitMQHeaders.OriginalQueue] = queue;
        headers[RabbitMQHeaders.OriginalExchange] = exchange;
        headers[RabbitMQHeaders.OriginalRoutingKey] = routingKey;
        headers[RabbitMQHeaders.DeadLetteredAt] = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        headers[RabbitMQHeaders.DeadLetteredBy] = InstanceName;
    }

    private async Task PublishToDeadLetterExchangeAsync(string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body)
    {
        using var timeout = new CancellationTokenSource(Options.PublishTimeout);
        var channel = await WaitForPublishChannelAsync(timeout.Token).ConfigureAwait(false);
        await channel.BasicPublishAsync(Options.EffectiveDeadLetterExchange, routingKey, mandatory: true, properties, body, timeout.Token).ConfigureAwait(false);
    }

    private async ValueTask<IChannel> WaitForPublishChannelAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Task ready;
            lock (_readyGate)
            {
                ready = _ready.Task;
            }

            if (!ready.IsCompleted)
            {
                // While the connection recovers, publishing throws; wait for the recovery instead.
                await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (_publishChannel is { IsOpen: true } channel)
            {
                return channel;
            }

            if (_connection is { IsOpen: true } connection)
            {
                // The broker closed the channel but not the connection (it refused a publish: an exchange that
                // was deleted, a body over its max_message_size), and nothing recovers such a channel: open another.
                await ReopenPublishChannelAsync(connection, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Recovered connection, channel not back yet: look again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(50), Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReopenPublishChannelAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await _publishChannelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var closed = _publishChannel;
            if (closed is { IsOpen: true } || _disposed)
            {
                return;
            }

            _publishChannel = await connection.CreateChannelAsync(PublishChannelOptions, cancellationToken).ConfigureAwait(false);
            Log.PublishChannelReopened(_logger, Endpoint, closed?.CloseReason?.ReplyText ?? "closed");
            if (closed is not null)
            {
                await CloseQuietlyAsync(closed.CloseAsync(CancellationToken.None)).ConfigureAwait(false);
                closed.Dispose();
            }
        }
        finally
        {
            _publishChannelGate.Release();
        }
    }

    private static CreateChannelOptions PublishChannelOptions => new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private void BuildEndpoints()
    {
        if (Options.Subscriptions.Count > 0)
        {
            var kind = Options.DurableInstanceQueue ? InboundEndpoint.QueueKind.DurableInstance : InboundEndpoint.QueueKind.Exclusive;
            var endpoint = new InboundEndpoint(this, $"{Options.ExchangeName}.{InstanceName}", kind, consumerGroup: null);
            foreach (var registration in Options.Subscriptions)
            {
                endpoint.Add(registration.RoutingKey, registration.CreateHandler(this));
            }

            _endpoints.Add(endpoint);
        }

        var shared = new Dictionary<string, InboundEndpoint>(StringComparer.Ordinal);
        foreach (var registration in Options.Consumers)
        {
            if (!shared.TryGetValue(registration.QueueName, out var endpoint))
            {
                endpoint = new InboundEndpoint(this, registration.QueueName, InboundEndpoint.QueueKind.Shared, registration.QueueName);
                shared.Add(registration.QueueName, endpoint);
                _endpoints.Add(endpoint);
            }

            endpoint.Add(registration.RoutingKey, registration.CreateHandler(this));
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var step = "connect";
        try
        {
            _connection = await _connector!.ConnectAsync(cancellationToken).ConfigureAwait(false);
            _connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
            _connection.RecoverySucceededAsync += OnRecoverySucceededAsync;

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.Connection.ConnectionTimeout);
            if (Options.DeclareTopology)
            {
                var setup = await _connection.CreateChannelAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                await using (setup.ConfigureAwait(false))
                {
                    await Topology.DeclareAsync(setup, Options, s => step = s, timeout.Token).ConfigureAwait(false);
                    await setup.CloseAsync(timeout.Token).ConfigureAwait(false);
                }
            }
            else
            {
                await Topology.VerifyAsync(_connection, Options, s => step = s, timeout.Token).ConfigureAwait(false);
            }

            step = "open the publishing channel";
            _publishChannel = await _connection.CreateChannelAsync(PublishChannelOptions, timeout.Token).ConfigureAwait(false);
            lock (_readyGate)
            {
                _ready.TrySetResult();
            }

            foreach (var inbound in _endpoints)
            {
                step = inbound.Kind == InboundEndpoint.QueueKind.Shared
                    ? $"consume the shared queue '{inbound.QueueName}'"
                    : $"declare, bind and consume the instance queue '{inbound.QueueName}'";
                await inbound.StartAsync(_connection, timeout.Token).ConfigureAwait(false);
                if (inbound.Kind != InboundEndpoint.QueueKind.Shared)
                {
                    InstanceQueueName = inbound.QueueName;
                }
            }
        }
        catch (Exception ex) when (ex is not RabbitMQBridgeException)
        {
            // The endpoint is redacted; neither the client's messages nor the explanation contain the password.
            throw new RabbitMQBridgeException($"The RabbitMQ bridge could not {step} at {Endpoint}: {_connector!.Explain(ex)}.", ex);
        }
    }

    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs args)
    {
        lock (_readyGate)
        {
            if (_ready.Task.IsCompleted)
            {
                _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        foreach (var endpoint in _endpoints)
        {
            endpoint.Invalidate();
        }

        if (!_disposed)
        {
            Log.ConnectionLost(_logger, Endpoint, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        lock (_readyGate)
        {
            _ready.TrySetResult();
        }

        Log.ConnectionRecovered(_logger, Endpoint);
        return Task.CompletedTask;
    }

    private static async Task CloseQuietlyAsync(Task close)
    {
        try
        {
            await close.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing what is already closed, or what the broker dropped: nothing to do.
        }
    }

    private static string DefaultInstanceName()
    {
        var machine = new string([.. Environment.MachineName.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var random = Guid.NewGuid().ToString("N")[..8];
        return string.Create(CultureInfo.InvariantCulture, $"{(machine.Length == 0 ? "host" : machine)}-{Environment.ProcessId}-{random}");
    }
}

/// <summary>Where a relayed event came from: the headers, correlation id and topic of its local publish.</summary>
internal sealed record RelayedEvent(IReadOnlyDictionary<string, string> Headers, string? CorrelationId, string? Topic);

/// <summary>The dead-letter copies of one publish (one per local subscription that gave up).</summary>
internal sealed class DeadLetterCopies
{
    private readonly List<Task<bool>> _copies = [];

    internal void Add(Task<bool> copy)
    {
        lock (_copies)
        {
            _copies.Add(copy);
        }
    }

    internal Task<bool>[] Snapshot()
    {
        lock (_copies)
        {
            return [.. _copies];
        }
    }
}
