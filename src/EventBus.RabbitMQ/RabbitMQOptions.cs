using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EventBus.RabbitMQ.Internal;

namespace EventBus.RabbitMQ;

/// <summary>
/// Settings of the RabbitMQ bridge: the connection, the exchange, and which event types go out to the
/// broker and come in from it. Configured once, in <c>AddRabbitMQ</c>.
/// </summary>
/// <remarks>
/// <para><b>Out</b>: <see cref="Publish{T}(string?)"/> forwards events published on the local bus to the
/// topic exchange <see cref="ExchangeName"/>, with the topic (or the event type's name) as routing key.</para>
/// <para><b>In, every instance</b>: <see cref="Subscribe{T}(string?)"/> binds this instance's own queue,
/// so every instance receives every matching event and publishes it on its local bus.</para>
/// <para><b>In, one instance of many</b>: <see cref="Consume{T, THandler}(string, string?, Action{WorkQueueOptions{T}}?)"/>
/// binds a durable queue that all instances share, so each message is handled by exactly one of them, in a
/// local <see cref="WorkQueue{T}"/>.</para>
/// <para>Every event type that crosses the broker has a name (the CloudEvents <c>type</c>), by default its
/// full .NET type name; give it a stable name of your own, a schema version and source-generated JSON
/// metadata with <see cref="MapType{T}(string, int, JsonTypeInfo{T}?)"/>.</para>
/// </remarks>
public sealed class RabbitMQOptions
{
    private readonly Dictionary<Type, MessageType> _types = [];
    private readonly List<OutboundRegistration> _outbound = [];
    private readonly List<SubscriptionRegistration> _subscriptions = [];
    private readonly List<ConsumerRegistration> _consumers = [];

    /// <summary>Where and how to connect. Credentials are required.</summary>
    public RabbitMQConnectionOptions Connection { get; } = new();

    /// <summary>The topic exchange events are published to and queues are bound to (declared durable if missing).</summary>
    /// <value>The default is <c>eventbus</c>.</value>
    /// <exception cref="ArgumentException">The value is null, empty or whitespace.</exception>
    public string ExchangeName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(ExchangeName));
            field = value;
        }
    } = "eventbus";

    /// <summary>The exchange that receives dead letters (declared durable if missing), with the reason in headers.</summary>
    /// <value>The default is <see langword="null"/>: <c>{ExchangeName}.dead-letter</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? DeadLetterExchangeName
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(DeadLetterExchangeName));
            }

            field = value;
        }
    }

    /// <summary>The durable queue bound to the dead-letter exchange (with <c>#</c>), where dead letters wait
    /// for an operator. Without it a dead letter would have nowhere to go.</summary>
    /// <value>The default is <see langword="null"/>: the dead-letter exchange's name.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? DeadLetterQueueName
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(DeadLetterQueueName));
            }

            field = value;
        }
    }

    /// <summary>This application instance's name: it names the instance's own queue
    /// (<c>{ExchangeName}.{InstanceName}</c>) and the connection.</summary>
    /// <value>The default is <see langword="null"/>: <c>{machine}-{process id}-{random}</c>, new for every process.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? InstanceName
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(InstanceName));
            }

            field = value;
        }
    }

    /// <summary>
    /// Whether the instance's own queue outlives its connection. <see langword="false"/>: the queue is
    /// exclusive and auto-deleted, so while the instance is disconnected (or the broker restarts) events
    /// are not kept for it. <see langword="true"/>: the queue is durable and kept for
    /// <see cref="InstanceQueueExpiry"/> after its last consumer left; give the instance a stable
    /// <see cref="InstanceName"/> so that it finds its queue again.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DurableInstanceQueue { get; set; }

    /// <summary>How long a durable instance queue is kept without a consumer before the broker deletes it.</summary>
    /// <value>The default is 1 day.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than one second.</exception>
    public TimeSpan InstanceQueueExpiry
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1), nameof(InstanceQueueExpiry));
            field = value;
        }
    } = TimeSpan.FromDays(1);

    /// <summary>The CloudEvents <c>source</c> of events this application publishes.</summary>
    /// <value>The default is <see langword="null"/>: <c>/{entry assembly name}</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? Source
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Source));
            }

            field = value;
        }
    }

    /// <summary>How many unacknowledged messages the broker hands each of this instance's queues at once:
    /// backpressure across the wire. A message stays unacknowledged until it was handled here.</summary>
    /// <value>The default is 32.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0.</exception>
    public ushort PrefetchCount
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfZero(value, nameof(PrefetchCount));
            field = value;
        }
    } = 32;

    /// <summary>
    /// The largest message body, in bytes, the bridge sends or takes in. A local event whose JSON is larger is not
    /// sent: its forward fails with <see cref="RabbitMQMessageTooLargeException"/>, is not retried, and the event
    /// goes to the bus's dead-letter sink. A delivery whose body is larger is dead-lettered as
    /// <see cref="RabbitMQDeadLetterReasons.TooLarge"/> without being copied or parsed, and the consumer goes on.
    /// </summary>
    /// <remarks>The .NET client holds a delivery's whole body until the bridge has looked at it (the bridge lets
    /// it take any size the broker can deliver, so that no message can drop the connection), so
    /// <see cref="PrefetchCount"/> times the broker's <c>max_message_size</c> bounds what an instance holds per
    /// queue: set the broker's <c>max_message_size</c> to this value, or close to it.</remarks>
    /// <value>The default is 16 MiB (16,777,216 bytes).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1, or more than 512 MiB (the broker's own ceiling).</exception>
    public int MaxMessageSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxMessageSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, BrokerMaxMessageSize, nameof(MaxMessageSize));
            field = value;
        }
    } = 16 * 1024 * 1024;

    /// <summary>
    /// Whether the bridge declares the topology when it starts: the exchange, the dead-letter exchange and queue,
    /// and the shared queues of <c>Consume</c> with their bindings. <see langword="true"/>: the user needs the
    /// <em>configure</em> permission on all of them. <see langword="false"/>: they must already exist, declared at
    /// deploy time by <see cref="RabbitMQTopology.DeclareAsync(RabbitMQOptions, CancellationToken)"/> as a
    /// deploy-time user; the bridge checks that they do (the start fails naming the first one missing) and
    /// declares and binds only this instance's own queue, so the run-time user needs <em>configure</em> on that
    /// queue alone.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool DeclareTopology { get; set; } = true;

    /// <summary>How many events each outbound forwarder buffers while the broker is slow or away.</summary>
    /// <value>The default is 1024.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int ForwardCapacity
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ForwardCapacity));
            field = value;
        }
    } = SubscriptionOptions.DefaultCapacity;

    /// <summary>What a local publish does when a forwarder's buffer is full (the broker is away for long).</summary>
    /// <value>The default is <see cref="BufferFullMode.Wait"/>: local publishers wait (backpressure).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="BufferFullMode"/>.</exception>
    public BufferFullMode ForwardFullMode
    {
        get;
        set
        {
            if (value is < BufferFullMode.Wait or > BufferFullMode.Fail)
            {
                throw new ArgumentOutOfRangeException(nameof(ForwardFullMode), value, "Unknown full mode.");
            }

            field = value;
        }
    }

    /// <summary>How a forward that failed (broker away, no confirm within <see cref="PublishTimeout"/>, a nack) is
    /// retried before the event is dead-lettered to the bus's <see cref="IDeadLetterSink"/>. Later events wait
    /// behind a retrying one, so order is kept.</summary>
    /// <value>The default is 10 retries, exponential from 500 ms, capped at 10 s (about a minute and a half in all).</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public RetryPolicy ForwardRetryPolicy
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(ForwardRetryPolicy));
            field = value;
        }
    } = new() { MaxRetries = 10, BaseDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(10) };

    /// <summary>How long one forward attempt may wait for the connection and then for the broker's confirm.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan PublishTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(PublishTimeout));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>How an incoming pub/sub event that the local bus refused (a full subscription under
    /// <see cref="BufferFullMode.Fail"/>) is retried before it is dead-lettered.</summary>
    /// <value>The default is <see cref="RetryPolicy.Default"/>.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public RetryPolicy InboundRetryPolicy
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(InboundRetryPolicy));
            field = value;
        }
    } = RetryPolicy.Default;

    /// <summary>The JSON settings for event bodies. For trimmed or AOT-compiled applications set its
    /// <see cref="JsonSerializerOptions.TypeInfoResolver"/> to a source-generated <c>JsonSerializerContext</c>
    /// (or give each type its <see cref="JsonTypeInfo{T}"/> in <see cref="MapType{T}(string, int, JsonTypeInfo{T}?)"/>).</summary>
    /// <value>The default is <see langword="null"/>: <see cref="JsonSerializerOptions.Default"/> (reflection-based).</value>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>The ceiling of the broker's <c>max_message_size</c>: 512 MiB.</summary>
    internal const int BrokerMaxMessageSize = 512 * 1024 * 1024;

    internal IReadOnlyList<OutboundRegistration> Outbound => _outbound;

    internal IReadOnlyList<SubscriptionRegistration> Subscriptions => _subscriptions;

    internal IReadOnlyList<ConsumerRegistration> Consumers => _consumers;

    internal IEnumerable<MessageType> MessageTypes => _types.Values;

    internal string EffectiveDeadLetterExchange => DeadLetterExchangeName ?? $"{ExchangeName}.dead-letter";

    internal string EffectiveDeadLetterQueue => DeadLetterQueueName ?? EffectiveDeadLetterExchange;

    /// <summary>
    /// Names <typeparamref name="T"/> on the wire and says how to serialize it. Call it before (or instead
    /// of relying on the defaults of) <see cref="Publish{T}(string?)"/>, <see cref="Subscribe{T}(string?)"/> and
    /// <see cref="Consume{T, THandler}(string, string?, Action{WorkQueueOptions{T}}?)"/>; the last call wins.
    /// </summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="typeName">The CloudEvents <c>type</c> ("com.example.order-placed"); both sides must agree on it.
    /// It is also the routing key of registrations without a topic.</param>
    /// <param name="schemaVersion">The version of the body's shape. Messages with a higher version than this
    /// are dead-lettered (reason <see cref="RabbitMQDeadLetterReasons.UnsupportedSchemaVersion"/>) rather than misread.</param>
    /// <param name="jsonTypeInfo">Source-generated metadata (<c>MyJsonContext.Default.OrderPlaced</c>), or
    /// <see langword="null"/> to take it from <see cref="SerializerOptions"/>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is null, empty, whitespace, or contains <c>#</c> or <c>*</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="schemaVersion"/> is less than 1.</exception>
    public RabbitMQOptions MapType<T>(string typeName, int schemaVersion = 1, JsonTypeInfo<T>? jsonTypeInfo = null)
    {
        ValidateRoutingWord(typeName, nameof(typeName));
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        foreach (var existing in _types.Values)
        {
            if (existing.ClrType != typeof(T) && existing.Name == typeName)
            {
                throw new ArgumentException($"The type name '{typeName}' is already used by {existing.ClrType.Name}.", nameof(typeName));
            }
        }

        var type = TypeOf<T>();
        type.Name = typeName;
        type.SchemaVersion = schemaVersion;
        type.TypeInfo = jsonTypeInfo ?? type.TypeInfo;
        return this;
    }

    /// <summary>
    /// Forwards <typeparamref name="T"/> events published on the local bus to the exchange, with publisher
    /// confirms, through a queued, bounded and retried subscription (see <see cref="ForwardCapacity"/>,
    /// <see cref="ForwardFullMode"/> and <see cref="ForwardRetryPolicy"/>). Events that came in from the broker
    /// are never forwarded again.
    /// </summary>
    /// <typeparam name="T">The event type (events of derived types published locally are forwarded as <typeparamref name="T"/>).</typeparam>
    /// <param name="topic">Forward only events published on this topic, with the topic as routing key; or
    /// <see langword="null"/> for every <typeparamref name="T"/>, with the type's name as routing key.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is empty, whitespace, or contains <c>#</c> or <c>*</c>.</exception>
    public RabbitMQOptions Publish<T>(string? topic = null)
    {
        ValidateTopic(topic);
        _outbound.Add(new OutboundRegistration<T>(TypeOf<T>(), topic));
        return this;
    }

    /// <summary>
    /// Receives <typeparamref name="T"/> events from the exchange on this instance's own queue, so that every
    /// instance receives every one, and publishes each on the local bus (with the same topic). A message is
    /// acknowledged only once every local subscription it reached has finished with it
    /// (<see cref="PublishOptions.OnSettled"/>): handled it, or dropped it under its own full mode. When a local
    /// subscriber gives up on it, its dead letter is first copied to the dead-letter exchange; when a subscription
    /// stops before handling it, the message goes back to the broker. If the process dies before the
    /// acknowledgement, the broker redelivers the message (to a durable instance queue) and subscribers that had
    /// handled it see it again, so make them idempotent on <see cref="RabbitMQContextHeaders.MessageId"/>.
    /// </summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="topic">The routing key to bind (and the topic the event is published on locally); or
    /// <see langword="null"/> for the type's name as routing key and the publisher's topic, if any, locally.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is empty, whitespace, or contains <c>#</c> or <c>*</c>.</exception>
    public RabbitMQOptions Subscribe<T>(string? topic = null)
    {
        ValidateTopic(topic);
        _subscriptions.Add(new SubscriptionRegistration<T>(TypeOf<T>(), topic));
        return this;
    }

    /// <summary>
    /// Consumes <typeparamref name="T"/> messages from a durable queue shared by every instance (competing
    /// consumers across processes): each message is handled by exactly one instance, in a local
    /// <see cref="WorkQueue{T}"/> whose items are handled by <typeparamref name="THandler"/>, one
    /// dependency-injection scope per item. A message is acknowledged only after the handler succeeded; when
    /// the queue's retries are exhausted it goes to the dead-letter exchange with the reason in its headers.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="queueName">The shared queue's name (declared durable if missing).</param>
    /// <param name="topic">The routing key to bind; <see langword="null"/> for the type's name.</param>
    /// <param name="configure">Configures the local queue (workers, retries, timeout...). Its clock, logger and
    /// meter are the bus's; its dead-letter sink and drop callback belong to the bridge.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is null, empty or whitespace, or
    /// <paramref name="topic"/> is empty, whitespace, or contains <c>#</c> or <c>*</c>.</exception>
    public RabbitMQOptions Consume<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(string queueName, string? topic = null, Action<WorkQueueOptions<T>>? configure = null)
        where T : class
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ValidateTopic(topic);
        _consumers.Add(new ConsumerRegistration<T>(TypeOf<T>(), queueName, topic, configure, typeof(THandler), HandlerInvocation.Scoped<T, THandler>));
        return this;
    }

    /// <summary>
    /// Consumes <typeparamref name="T"/> messages from a durable queue shared by every instance, handling them
    /// with a delegate; see <see cref="Consume{T, THandler}(string, string?, Action{WorkQueueOptions{T}}?)"/>.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="queueName">The shared queue's name (declared durable if missing).</param>
    /// <param name="handler">Handles one message; the context carries the sender's id, time, correlation id,
    /// headers and trace context. Throwing fails the attempt.</param>
    /// <param name="topic">The routing key to bind; <see langword="null"/> for the type's name.</param>
    /// <param name="configure">Configures the local queue.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> or <paramref name="topic"/> is invalid.</exception>
    public RabbitMQOptions Consume<T>(
        string queueName,
        Func<T, EventContext, CancellationToken, ValueTask> handler,
        string? topic = null,
        Action<WorkQueueOptions<T>>? configure = null)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentNullException.ThrowIfNull(handler);
        ValidateTopic(topic);
        _consumers.Add(new ConsumerRegistration<T>(TypeOf<T>(), queueName, topic, configure, handlerType: null, (_, item, context, ct) => handler(item, context, ct)));
        return this;
    }

    /// <summary>Checks what can only be checked once everything is set. Called when the bridge starts.</summary>
    internal void Validate()
    {
        Connection.Validate();
        if (EffectiveDeadLetterExchange == ExchangeName)
        {
            throw new InvalidOperationException("The dead-letter exchange must differ from the exchange.");
        }
    }

    private static void ValidateTopic(string? topic)
    {
        if (topic is not null)
        {
            ValidateRoutingWord(topic, nameof(topic));
        }
    }

    private static void ValidateRoutingWord(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        if (value.Contains('#', StringComparison.Ordinal) || value.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException("A topic or type name is used as a routing key and must not contain the wildcards '#' or '*'.", paramName);
        }

        if (System.Text.Encoding.UTF8.GetByteCount(value) > 255)
        {
            throw new ArgumentException("A routing key is at most 255 bytes long (UTF-8).", paramName);
        }
    }

    private MessageType<T> TypeOf<T>()
    {
        if (_types.TryGetValue(typeof(T), out var existing))
        {
            return (MessageType<T>)existing;
        }

        var type = new MessageType<T>(typeof(T).FullName ?? typeof(T).Name);
        _types.Add(typeof(T), type);
        return type;
    }
}
