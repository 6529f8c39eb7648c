using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// The shared part of the broker topology: the exchange, the dead-letter exchange and queue, and the shared
/// queues of <c>Consume</c> with their bindings. Declared by the bridge itself (<see cref="RabbitMQOptions.DeclareTopology"/>)
/// or at deploy time (<see cref="RabbitMQTopology"/>); otherwise only checked. An instance's own queue is not
/// part of it: every instance declares its own.
/// </summary>
internal static class Topology
{
    /// <summary>The arguments every inbound queue is declared with: rejected messages go to the dead-letter exchange.</summary>
    internal static Dictionary<string, object?> QueueArguments(RabbitMQOptions options) => new(StringComparer.Ordinal)
    {
        ["x-dead-letter-exchange"] = options.EffectiveDeadLetterExchange,
    };

    /// <summary>Declares everything, idempotently; <paramref name="step"/> names what is being done, for errors.</summary>
    internal static async Task DeclareAsync(IChannel channel, RabbitMQOptions options, Action<string> step, CancellationToken cancellationToken)
    {
        step($"declare the exchange '{options.ExchangeName}'");
        await channel.ExchangeDeclareAsync(options.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        step($"declare the dead-letter exchange '{options.EffectiveDeadLetterExchange}'");
        await channel.ExchangeDeclareAsync(options.EffectiveDeadLetterExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        step($"declare the dead-letter queue '{options.EffectiveDeadLetterQueue}'");
        await channel.QueueDeclareAsync(options.EffectiveDeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(options.EffectiveDeadLetterQueue, options.EffectiveDeadLetterExchange, "#", cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var consumer in options.Consumers)
        {
            step($"declare the shared queue '{consumer.QueueName}'");
            await channel.QueueDeclareAsync(consumer.QueueName, durable: true, exclusive: false, autoDelete: false, QueueArguments(options), cancellationToken: cancellationToken).ConfigureAwait(false);
            step($"bind the shared queue '{consumer.QueueName}' to '{consumer.RoutingKey}'");
            await channel.QueueBindAsync(consumer.QueueName, options.ExchangeName, consumer.RoutingKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks (passively: no permission needed) that everything exists, and names the first thing that
    /// does not. A missing one closes the channel, so each check gets a fresh one.</summary>
    internal static async Task VerifyAsync(IConnection connection, RabbitMQOptions options, Action<string> step, CancellationToken cancellationToken)
    {
        await ExistsAsync("exchange", options.ExchangeName, static (channel, name, ct) => channel.ExchangeDeclarePassiveAsync(name, ct)).ConfigureAwait(false);
        await ExistsAsync("dead-letter exchange", options.EffectiveDeadLetterExchange, static (channel, name, ct) => channel.ExchangeDeclarePassiveAsync(name, ct)).ConfigureAwait(false);
        await ExistsAsync("dead-letter queue", options.EffectiveDeadLetterQueue, static (channel, name, ct) => channel.QueueDeclarePassiveAsync(name, ct)).ConfigureAwait(false);
        foreach (var queue in options.Consumers.Select(static c => c.QueueName).Distinct(StringComparer.Ordinal))
        {
            await ExistsAsync("shared queue", queue, static (channel, name, ct) => channel.QueueDeclarePassiveAsync(name, ct)).ConfigureAwait(false);
        }

        async Task ExistsAsync(string kind, string name, Func<IChannel, string, CancellationToken, Task> passive)
        {
            step($"find the {kind} '{name}'");
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                try
                {
                    await passive(channel, name, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
                {
                    throw new TopologyMissingException(
                        $"the {kind} '{name}' does not exist, and DeclareTopology is off: declare it at deploy time " +
                        "(RabbitMQTopology.DeclareAsync, as a deploy-time user), or let the bridge declare it (DeclareTopology = true)", ex);
                }
            }
        }
    }
}

/// <summary>Part of the topology the bridge does not declare itself is missing.</summary>
internal sealed class TopologyMissingException(string message, Exception inner) : Exception(message, inner);
