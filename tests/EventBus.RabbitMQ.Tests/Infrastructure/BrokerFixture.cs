using System.Collections.Concurrent;
using System.Text;
using EventBus.RabbitMQ.Internal;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>Every test that needs the broker is in this collection: they run one at a time (one of them
/// restarts the broker), and all fail with a clear message when the broker's connection file is missing.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "RabbitMQ broker";
}

/// <summary>The broker's settings and an administrative connection, as the deploy-time user, for what the tests do
/// behind the bridge's back: raw publishes, reading dead letters, cleaning up. (The bridge itself runs as the
/// run-time user, which may do none of these but the raw publish.)</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private IConnection? _connection;

    public BrokerSettings Settings { get; } = BrokerEnvironment.Load(BrokerEnvironment.EnvFilePath);

    public async Task InitializeAsync()
    {
        var factory = new ConnectionFactory
        {
            HostName = Settings.Host,
            Port = Settings.Port,
            VirtualHost = Settings.VirtualHost,
            UserName = Settings.DeployUser,
            Password = Settings.DeployPassword,
            AutomaticRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            ClientProvidedName = "eventbus-tests-admin",

            // The too-large test reads back a dead letter above the client's default 64 MiB frame limit.
            MaxInboundMessageBodySize = 512 * 1024 * 1024,
        };
        try
        {
            _connection = await factory.CreateConnectionAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ bridge tests need the test broker at {Settings}, but it does not answer ({ex.GetBaseException().Message}). " +
                "Run the tests with ./scripts/test.sh (it starts the broker), or run scripts/rabbitmq.sh start first, with the same " +
                "EVENTBUS_RABBITMQ_* environment variables.",
                ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }
    }

    /// <summary>Opens a short-lived channel, waiting out a connection recovery after a broker restart.</summary>
    public async Task<IChannel> OpenChannelAsync()
    {
        var deadline = DateTime.UtcNow + Signals.RestartTimeout;
        while (true)
        {
            try
            {
                return await _connection!.CreateChannelAsync(new CreateChannelOptions(true, true));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Publishes raw bytes, as a foreign or broken producer would, and returns once the broker confirmed them.</summary>
    public Task PublishRawAsync(string exchange, string routingKey, byte[] body, string? type, string? contentType = "application/json", IDictionary<string, object?>? headers = null) =>
        PublishRawAsync(exchange, routingKey, body, new BasicProperties { Type = type, ContentType = contentType, Persistent = true, MessageId = Guid.NewGuid().ToString(), Headers = headers });

    /// <summary>Publishes raw bytes with the given properties, and returns once the broker confirmed them.</summary>
    public async Task PublishRawAsync(string exchange, string routingKey, ReadOnlyMemory<byte> body, BasicProperties properties)
    {
        var channel = await OpenChannelAsync();
        await using (channel)
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body);
        }
    }

    /// <summary>How many messages wait in a queue, ready (not counting those handed out and unacknowledged).</summary>
    public async Task<uint> MessageCountAsync(string queue)
    {
        var channel = await OpenChannelAsync();
        await using (channel)
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
    }

    /// <summary>Takes <paramref name="count"/> messages off a queue (a dead-letter queue), acknowledging them.</summary>
    public async Task<IReadOnlyList<RawMessage>> TakeAsync(string queue, int count, TimeSpan? timeout = null)
    {
        var channel = await OpenChannelAsync();
        await using (channel)
        {
            var taken = new ConcurrentQueue<RawMessage>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, args) =>
            {
                var headers = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in args.BasicProperties.Headers ?? new Dictionary<string, object?>())
                {
                    headers[key] = Envelope.AsText(value) ?? string.Empty;
                }

                // A huge body (the too-large test) is not turned into a string: its length is what matters.
                var body = args.Body.Length <= 1024 * 1024 ? Encoding.UTF8.GetString(args.Body.Span) : string.Empty;
                taken.Enqueue(new RawMessage(body, args.Body.Length, headers, args.BasicProperties, args.RoutingKey));
                await channel.BasicAckAsync(args.DeliveryTag, multiple: false);
                if (taken.Count >= count)
                {
                    done.TrySetResult();
                }
            };
            var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            await Signals.For(done.Task, $"{count} message(s) on queue {queue} ({taken.Count} so far)", timeout);
            await channel.BasicCancelAsync(tag);
            return [.. taken];
        }
    }

    /// <summary>Opens a connection of its own as the given user, for tests of what that user may do.</summary>
    public async Task<IConnection> ConnectAsAsync(string user, string password)
    {
        var factory = new ConnectionFactory
        {
            HostName = Settings.Host,
            Port = Settings.Port,
            VirtualHost = Settings.VirtualHost,
            UserName = user,
            Password = password,
            ClientProvidedName = $"eventbus-tests-{user}",
        };
        return await factory.CreateConnectionAsync();
    }

    /// <summary>Deletes what a test declared, so tests never see each other's messages.</summary>
    public async Task DeleteAsync(IEnumerable<string> queues, IEnumerable<string> exchanges)
    {
        var channel = await OpenChannelAsync();
        await using (channel)
        {
            foreach (var queue in queues)
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            }

            foreach (var exchange in exchanges)
            {
                await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
            }
        }
    }
}

/// <summary>A message read off a queue: body as text (empty above 1 MiB), its length, headers as text, properties.</summary>
public sealed record RawMessage(string Body, int BodyLength, IReadOnlyDictionary<string, string> Headers, IReadOnlyBasicProperties Properties, string RoutingKey)
{
    public string? Type => Properties.Type;
}
