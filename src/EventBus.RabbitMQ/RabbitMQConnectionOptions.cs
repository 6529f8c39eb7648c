using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EventBus.RabbitMQ;

/// <summary>
/// Where and how the bridge connects to RabbitMQ. Credentials are required (the bridge never falls
/// back to the broker's <c>guest</c> account) and never appear in logs, exceptions or
/// <see cref="ToString"/>, which print a redacted endpoint.
/// </summary>
/// <remarks>
/// Set the fields one by one, or give a connection string in <see cref="Uri"/>
/// (<c>amqp://user:password@host:5672/vhost</c>, <c>amqps://</c> for TLS), or read them from
/// configuration with <see cref="ReadFrom(IConfiguration)"/>. Keep the password in a secret store or an
/// environment variable, not in a file under source control.
/// </remarks>
public sealed class RabbitMQConnectionOptions
{
    /// <summary>The broker's host name or address.</summary>
    /// <value>The default is <c>localhost</c>.</value>
    /// <exception cref="ArgumentException">The value is null, empty or whitespace.</exception>
    public string HostName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(HostName));
            field = value;
        }
    } = "localhost";

    /// <summary>The AMQP port.</summary>
    /// <value>The default is <see langword="null"/>: 5672, or 5671 with <see cref="UseTls"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1-65535.</exception>
    public int? Port
    {
        get;
        set
        {
            if (value is { } port)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(port, 1, nameof(Port));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535, nameof(Port));
            }

            field = value;
        }
    }

    /// <summary>The virtual host. Give the application a virtual host of its own.</summary>
    /// <value>The default is <c>/</c>.</value>
    /// <exception cref="ArgumentException">The value is null or empty.</exception>
    public string VirtualHost
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(VirtualHost));
            field = value;
        }
    } = "/";

    /// <summary>The user name. Required: use a user with rights on <see cref="VirtualHost"/> only.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? UserName { get; set; }

    /// <summary>The password. Required; never logged.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Password { get; set; }

    /// <summary>
    /// A connection string (<c>amqp://user:password@host:port/vhost</c> or <c>amqps://...</c>). When set, it
    /// replaces <see cref="HostName"/>, <see cref="Port"/>, <see cref="VirtualHost"/>, <see cref="UserName"/>,
    /// <see cref="Password"/> and <see cref="UseTls"/> with what it names (fields it leaves out keep their values).
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    /// <exception cref="ArgumentException">The value is not an absolute <c>amqp</c> or <c>amqps</c> URI.</exception>
    public Uri? Uri
    {
        get;
        set
        {
            if (value is not null && (!value.IsAbsoluteUri || value.Scheme is not ("amqp" or "amqps")))
            {
                // The URI itself may hold a password: never echo it.
                throw new ArgumentException("The connection string must be an absolute amqp:// or amqps:// URI.", nameof(Uri));
            }

            field = value;
        }
    }

    /// <summary>Whether to connect over TLS (AMQPS). The server certificate is validated against
    /// <see cref="TlsServerName"/>.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool UseTls { get; set; }

    /// <summary>The name the server's TLS certificate must carry.</summary>
    /// <value>The default is <see langword="null"/>: the host name.</value>
    public string? TlsServerName { get; set; }

    /// <summary>The connection name shown in the broker's management tools.</summary>
    /// <value>The default is <see langword="null"/>: <c>eventbus:{instance name}</c>.</value>
    public string? ClientProvidedName { get; set; }

    /// <summary>How long the client waits between attempts to recover a lost connection.</summary>
    /// <value>The default is 5 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan NetworkRecoveryInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(NetworkRecoveryInterval));
            field = value;
        }
    } = TimeSpan.FromSeconds(5);

    /// <summary>The heartbeat interval proposed to the broker: how soon a dead peer is noticed.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan RequestedHeartbeat
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(RequestedHeartbeat));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>How long the first connection attempt may take when the host starts.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan ConnectionTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(ConnectionTimeout));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads the settings present in a configuration section: <c>HostName</c>, <c>Port</c>, <c>VirtualHost</c>,
    /// <c>UserName</c>, <c>Password</c>, <c>ConnectionString</c> (or <c>Uri</c>), <c>UseTls</c> and
    /// <c>TlsServerName</c>. Keys that are absent leave their settings unchanged. No reflection is used, so
    /// this works in trimmed and AOT-compiled applications.
    /// </summary>
    /// <param name="section">The section, for example <c>configuration.GetSection("RabbitMQ")</c>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    /// <exception cref="ArgumentException">A value is malformed (the message names the key, never the value).</exception>
    public RabbitMQConnectionOptions ReadFrom(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section["HostName"] is { Length: > 0 } host)
        {
            HostName = host;
        }

        if (section["Port"] is { Length: > 0 } port)
        {
            Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ArgumentException("The RabbitMQ setting 'Port' is not a number.", nameof(section));
        }

        if (section["VirtualHost"] is { Length: > 0 } vhost)
        {
            VirtualHost = vhost;
        }

        if (section["UserName"] is { Length: > 0 } user)
        {
            UserName = user;
        }

        if (section["Password"] is { Length: > 0 } password)
        {
            Password = password;
        }

        if ((section["ConnectionString"] ?? section["Uri"]) is { Length: > 0 } uri)
        {
            Uri = System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
                ? parsed
                : throw new ArgumentException("The RabbitMQ setting 'ConnectionString' is not a URI.", nameof(section));
        }

        if (section["UseTls"] is { Length: > 0 } tls)
        {
            UseTls = bool.TryParse(tls, out var value)
                ? value
                : throw new ArgumentException("The RabbitMQ setting 'UseTls' is not true or false.", nameof(section));
        }

        if (section["TlsServerName"] is { Length: > 0 } serverName)
        {
            TlsServerName = serverName;
        }

        return this;
    }

    /// <summary>Describes the endpoint without secrets: <c>amqp://user:***@host:port/vhost</c>.</summary>
    /// <returns>The redacted endpoint.</returns>
    public override string ToString()
    {
        var (host, port, vhost, user, _, tls) = Resolve();
        var scheme = tls ? "amqps" : "amqp";
        var userPart = user is null ? string.Empty : $"{user}:***@";
        return $"{scheme}://{userPart}{host}:{port}/{System.Uri.EscapeDataString(vhost)}";
    }

    /// <summary>The effective settings, with the connection string's parts taking precedence.</summary>
    internal (string Host, int Port, string VirtualHost, string? UserName, string? Password, bool Tls) Resolve()
    {
        var host = HostName;
        var vhost = VirtualHost;
        var user = UserName;
        var password = Password;
        var tls = UseTls;
        int? port = Port;
        if (Uri is { } uri)
        {
            tls = uri.Scheme == "amqps" || tls;
            host = uri.Host.Length > 0 ? uri.Host : host;
            port = uri.IsDefaultPort || uri.Port <= 0 ? port : uri.Port;
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                user = System.Uri.UnescapeDataString(parts[0]);
                if (parts.Length == 2)
                {
                    password = System.Uri.UnescapeDataString(parts[1]);
                }
            }

            var path = uri.AbsolutePath.TrimStart('/');
            if (path.Length > 0)
            {
                vhost = System.Uri.UnescapeDataString(path);
            }
        }

        return (host, port ?? (tls ? 5671 : 5672), vhost, user, password, tls);
    }
}
