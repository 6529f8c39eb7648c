using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
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
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _connection;
    private IChannel? _publishChannel;
    private DeadLetterQueue? _observedDeadLetters;
    private IEventBus? _bus;
    private EventBusOptions? _busOptions;
    private BridgeTelemetry? _telemetry;
    private ILogger _logger = NullLogger.Instance;
    private volatile bool _disposed;

    internal RabbitMQBridge(RabbitMQOptions options, IServiceProvider services)
    {
        Options = options;
        Services = services;
        InstanceName = options.InstanceName ?? DefaultInstanceName();
        Endpoint = options.Connection.ToString();
        SourceName = options.Source ?? $"/{Assembly.GetEntryAssembly()?.GetName().Name ?? "eventbus"}";
    }

    internal RabbitMQOptions Options { get; }

    internal IServiceProvider Services { get; }

    internal string InstanceName { get; }

    internal string SourceName { get; }

    /// <summary>The broker's address with the password redacted, for logs and exceptions.</summary>
    internal string Endpoint { get; }

    internal IEventBus Bus => _bus ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal EventBusOptions BusOptions => _busOptions ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal BridgeTelemetry Telemetry => _telemetry ?? throw new InvalidOperationException("The RabbitMQ bridge has not started.");

    internal TimeProvider Time => _busOptions?.TimeProvider ?? TimeProvider.System;

    internal ILogger Logger => _logger;

    /// <summary>Events relayed to the local bus, by identity, until they are collected: how a local dead letter
    /// without the publish's context is recognised as one that came from the broker.</summary>
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
    }

    /// <summary>Publishes one local event to the exchange and returns once the broker confirmed it. Throws
    /// (and the forwarding subscription retries) when the broker is away, silent or refuses it.</summary>
    internal async ValueTask ForwardAsync<T>(MessageType<T> type, string routingKey, T @event, EventContext context, CancellationToken cancellationToken)
    {
        if (context.Headers.ContainsKey(RabbitMQContextHeaders.MessageId))
        {
            // It came from the broker: sending it back would loop between instances.
            return;
        }

        var body = type.Serialize(@event);
        var parent = context.TraceContext != default ? context.TraceContext : Activity.Current?.Context ?? default;
        using var activity = BridgeTelemetry.StartPublish(Options.ExchangeName, routingKey, context.Id, parent);
        var properties = Envelope.Create(type, context, SourceName, activity?.Context ?? parent);
        try
        {
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
            Log.ForwardFailed(_logger, ex, type.Name, context.Id, Options.ExchangeName);
            throw;
        }
    }

    /// <summary>Publishes a copy of a delivery to the dead-letter exchange with the reason in its headers, and
    /// returns once the broker confirmed it.</summary>
    internal async Task PublishDeadLetterAsync(IncomingMessage message, string queue, string reason, string detail, Exception? exception, int attempts)
    {
        var headers = new Dictionary<string, object?>(message.RawHeaders, StringComparer.Ordinal);
        AddDeadLetterHeaders(headers, queue, message.Exchange, message.RoutingKey, reason, detail, exception, attempts);
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = message.ContentType,
            CorrelationId = message.CorrelationId,
            MessageId = message.Id,
            Type = message.TypeName,
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

        // Every inbound event is published with a context that carries the broker message's id.
        if (deadLetter.Context is not { } context || !context.Headers.ContainsKey(RabbitMQContextHeaders.MessageId))
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

            foreach (var (key, value) in relayed.Headers)
            {
                if (!key.StartsWith("rabbitmq-", StringComparison.Ordinal))
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
                CorrelationId = relayed.CorrelationId,
                MessageId = messageId,
                Type = type.Name,
                Headers = headers,
            };
            await PublishToDeadLetterExchangeAsync(routingKey ?? type.Name, properties, body).ConfigureAwait(false);
            CountDeadLettered(InstanceQueueName ?? Options.ExchangeName, RabbitMQDeadLetterReasons.HandlerFailed);
            return true;
        }
        catch (Exception ex)
        {
            Log.LocalDeadLetterForwardFailed(_logger, ex, type.Name, messageId ?? string.Empty);
            return false;
        }
    }

    private void AddDeadLetterHeaders(
        Dictionary<string, object?> headers, string queue, string exchange, string routingKey, string reason, string detail, Exception? exception, int attempts)
    {
        headers[RabbitMQHeaders.DeadLetterReason] = reason;
        headers[RabbitMQHeaders.DeadLetterDetail] = detail.Length > 1000 ? detail[..1000] : detail;
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

            if (ready.IsCompleted && _publishChannel is { IsOpen: true } channel)
            {
                return channel;
            }

            // While the connection recovers, publishing throws; wait for the recovery instead.
            await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_publishChannel is { IsOpen: true } recovered)
            {
                return recovered;
            }

            // Recovered connection, channel not back yet: look again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(50), Time, cancellationToken).ConfigureAwait(false);
        }
    }

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
            var factory = CreateFactory();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.Connection.ConnectionTimeout);
            _connection = await factory.CreateConnectionAsync(timeout.Token).ConfigureAwait(false);
            _connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
            _connection.RecoverySucceededAsync += OnRecoverySucceededAsync;

            step = "declare the exchanges";
            var setup = await _connection.CreateChannelAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            await using (setup.ConfigureAwait(false))
            {
                await setup.ExchangeDeclareAsync(Options.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: timeout.Token).ConfigureAwait(false);
                await setup.ExchangeDeclareAsync(Options.EffectiveDeadLetterExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: timeout.Token).ConfigureAwait(false);
                await setup.QueueDeclareAsync(Options.EffectiveDeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: timeout.Token).ConfigureAwait(false);
                await setup.QueueBindAsync(Options.EffectiveDeadLetterQueue, Options.EffectiveDeadLetterExchange, "#", cancellationToken: timeout.Token).ConfigureAwait(false);
                await setup.CloseAsync(timeout.Token).ConfigureAwait(false);
            }

            step = "open the publishing channel";
            _publishChannel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                timeout.Token).ConfigureAwait(false);
            lock (_readyGate)
            {
                _ready.TrySetResult();
            }

            foreach (var inbound in _endpoints)
            {
                step = $"declare and consume queue '{inbound.QueueName}'";
                await inbound.StartAsync(_connection, timeout.Token).ConfigureAwait(false);
                if (inbound.Kind != InboundEndpoint.QueueKind.Shared)
                {
                    InstanceQueueName = inbound.QueueName;
                }
            }
        }
        catch (Exception ex) when (ex is not RabbitMQBridgeException)
        {
            // The endpoint is redacted; the client's own messages never contain the password.
            throw new RabbitMQBridgeException($"The RabbitMQ bridge could not {step} at {Endpoint}: {ex.Message}", ex);
        }
    }

    private ConnectionFactory CreateFactory()
    {
        var (host, port, vhost, user, password, tls) = Options.Connection.Resolve();
        var factory = new ConnectionFactory
        {
            HostName = host,
            Port = port,
            VirtualHost = vhost,
            UserName = user!,
            Password = password!,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = Options.Connection.NetworkRecoveryInterval,
            RequestedHeartbeat = Options.Connection.RequestedHeartbeat,
            RequestedConnectionTimeout = Options.Connection.ConnectionTimeout,
            ClientProvidedName = Options.Connection.ClientProvidedName ?? $"eventbus:{InstanceName}",
        };
        if (tls)
        {
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = Options.Connection.TlsServerName ?? host,
            };
        }

        return factory;
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
