using EventBus.RabbitMQ.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace EventBus.RabbitMQ;

/// <summary>
/// Declares the broker topology of a bridge at deploy time, as a deploy-time user, so that the application
/// itself can run as a user without the <em>configure</em> permission on it (<see cref="RabbitMQOptions.DeclareTopology"/>
/// = <see langword="false"/>).
/// </summary>
/// <remarks>
/// Build the same <see cref="RabbitMQOptions"/> the application builds (the same <c>Consume</c> registrations and
/// names), give its <see cref="RabbitMQOptions.Connection"/> the deploy-time credentials, and call
/// <see cref="DeclareAsync(RabbitMQOptions, CancellationToken)"/> from the deployment job. Declaring is idempotent.
/// </remarks>
public static class RabbitMQTopology
{
    /// <summary>
    /// Declares, durable and idempotently: the exchange, the dead-letter exchange, the dead-letter queue (bound with
    /// <c>#</c>), and every shared queue of <c>Consume</c> with the bindings of its registrations. An instance's own
    /// pub/sub queue is not declared here: each instance declares its own.
    /// </summary>
    /// <param name="options">The bridge's options, with deploy-time credentials.</param>
    /// <param name="cancellationToken">Cancels the declaration.</param>
    /// <returns>A task that completes once everything is declared.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The credentials are missing or are <c>guest</c>, or the options are inconsistent.</exception>
    /// <exception cref="RabbitMQBridgeException">The broker could not be reached, refused the credentials, or refused a
    /// declaration (the message says which, with the password redacted).</exception>
    public static async Task DeclareAsync(RabbitMQOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var connector = new BrokerConnector(options.Connection, "eventbus:deploy", NullLogger.Instance);
        var step = "connect";
        try
        {
            var connection = await connector.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (channel.ConfigureAwait(false))
                {
                    await Topology.DeclareAsync(channel, options, s => step = s, cancellationToken).ConfigureAwait(false);
                    await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
                }

                await connection.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or RabbitMQBridgeException))
        {
            throw new RabbitMQBridgeException($"Could not {step} at {connector.Endpoint}: {connector.Explain(ex)}.", ex);
        }
    }
}
