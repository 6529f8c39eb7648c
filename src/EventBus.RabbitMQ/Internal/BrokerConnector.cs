using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Opens connections as the options say (TLS with a validation that cannot be switched off, credentials, the
/// client's frame limit), and explains a failed attempt in words: which credentials were refused, which TLS
/// check failed, which permission was missing. Used by the bridge and by the deploy-time topology declaration.
/// </summary>
internal sealed class BrokerConnector
{
    private readonly RabbitMQConnectionOptions _connection;
    private readonly string _clientName;
    private readonly BrokerCertificateValidator? _validator;

    internal BrokerConnector(RabbitMQConnectionOptions connection, string clientName, ILogger logger)
    {
        _connection = connection;
        _clientName = clientName;
        Endpoint = connection.ToString();
        var (host, _, _, _, _, tls) = connection.Resolve();
        ServerName = connection.TlsServerName ?? host;
        if (tls)
        {
            _validator = new BrokerCertificateValidator(connection, ServerName)
            {
                Refused = refusal => Log.TlsCertificateRefused(logger, Endpoint, refusal),
            };
        }
    }

    /// <summary>The broker's address with the password redacted, for logs and exceptions.</summary>
    internal string Endpoint { get; }

    internal string ServerName { get; }

    internal ConnectionFactory CreateFactory()
    {
        var (host, port, vhost, user, password, tls) = _connection.Resolve();
        var factory = new ConnectionFactory
        {
            HostName = host,
            Port = port,
            VirtualHost = vhost,
            UserName = user!,
            Password = password!,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _connection.NetworkRecoveryInterval,
            RequestedHeartbeat = _connection.RequestedHeartbeat,
            RequestedConnectionTimeout = _connection.ConnectionTimeout,
            ClientProvidedName = _connection.ClientProvidedName ?? _clientName,

            // Above its limit the client drops the whole connection (and the message comes back, again and
            // again), so let it take whatever the broker can deliver; RabbitMQOptions.MaxMessageSize decides.
            MaxInboundMessageBodySize = RabbitMQOptions.BrokerMaxMessageSize,
        };
        if (tls)
        {
            var ssl = new SslOption
            {
                Enabled = true,
                ServerName = ServerName,
                Version = _connection.TlsProtocols,
                CertificateValidationCallback = (_, certificate, chain, errors) => _validator!.Validate(certificate, chain, errors),
            };
            if (_connection.TlsClientCertificate is { } client)
            {
                ssl.Certs = [client];
            }

            factory.Ssl = ssl;
        }

        return factory;
    }

    internal async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_connection.ConnectionTimeout);
        try
        {
            return await CreateFactory().CreateConnectionAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No connection within {_connection.ConnectionTimeout.TotalSeconds} s (ConnectionTimeout).", ex);
        }
    }

    /// <summary>One sentence on why an operation against the broker failed, without secrets.</summary>
    internal string Explain(Exception exception)
    {
        var (host, port, vhost, user, _, tls) = _connection.Resolve();
        var all = Flatten(exception).ToList();
        foreach (var ex in all)
        {
            switch (ex)
            {
                case TopologyMissingException missing:
                    return missing.Message;
                case AuthenticationFailureException:
                    return $"the broker refused the credentials of user '{user}': authentication failed (wrong user name or password)";
                case OperationInterruptedException { ShutdownReason.ReplyCode: 530 } refused:
                    return $"user '{user}' may not use virtual host '{vhost}' ({SenderText.Escape(refused.ShutdownReason?.ReplyText)})";
                case OperationInterruptedException { ShutdownReason.ReplyCode: 403 } denied:
                    return $"a permission is missing: {SenderText.Escape(denied.ShutdownReason?.ReplyText)} (see docs/rabbitmq.md, Security)";
                case PossibleAuthenticationFailureException:
                    return $"the broker closed the connection while logging in user '{user}': the credentials may be wrong, or the user may not use virtual host '{vhost}'";
                case AuthenticationException when _validator?.LastRefusal is { } refusal:
                    return $"TLS: {refusal}";
                case AuthenticationException tlsFailure:
                    return $"TLS: the handshake with {ServerName} failed: {tlsFailure.Message}{ClientCertificateHint(tls)}";
            }
        }

        foreach (var ex in all)
        {
            switch (ex)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return $"nothing accepts connections at {host}:{port} (connection refused)";
                case TimeoutException timeout:
                    return timeout.Message;
            }
        }

        if (tls && all.Exists(static ex => ex is IOException or EndOfStreamException))
        {
            return $"the broker closed the TLS connection{ClientCertificateHint(tls)}: {all[^1].Message}";
        }

        return all[^1].Message;
    }

    private string ClientCertificateHint(bool tls) =>
        tls && _connection.TlsClientCertificate is null ? " (it may require a client certificate: TlsClientCertificate)" : string.Empty;

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(exception.InnerException is { } one ? [one] : []);
        foreach (var child in inner)
        {
            foreach (var descendant in Flatten(child))
            {
                yield return descendant;
            }
        }
    }
}
