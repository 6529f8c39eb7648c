using System.Globalization;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace EventBus.RabbitMQ;

/// <summary>
/// Where and how the bridge connects to RabbitMQ. Credentials are required (the bridge never falls
/// back to the broker's <c>guest</c> account, and refuses it when it is given) and never appear in logs,
/// exceptions or <see cref="ToString"/>, which print a redacted endpoint.
/// </summary>
/// <remarks>
/// Set the fields one by one, or give a connection string in <see cref="Uri"/>
/// (<c>amqp://user:password@host:5672/vhost</c>, <c>amqps://</c> for TLS), or read them from
/// configuration with <see cref="ReadFrom(IConfiguration)"/>. Keep the password in a secret store or an
/// environment variable, not in a file under source control.
/// <para>TLS (<see cref="UseTls"/>) always validates the broker's certificate, and there is no setting that turns
/// that off: it must carry <see cref="TlsServerName"/>, be within its validity period, and either chain to a
/// trusted certificate authority (the system's, or <see cref="TlsCertificateAuthorities"/> when given) or match
/// one of <see cref="TlsCertificatePins"/>. A refused certificate fails the start with a message that says which
/// of these checks failed.</para>
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

    /// <summary>Whether to connect over TLS (AMQPS). The broker's certificate is always validated (see the remarks
    /// on <see cref="RabbitMQConnectionOptions"/>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool UseTls { get; set; }

    /// <summary>The name the broker's TLS certificate must carry (also sent as SNI).</summary>
    /// <value>The default is <see langword="null"/>: the host name.</value>
    /// <exception cref="ArgumentException">The value is empty or whitespace.</exception>
    public string? TlsServerName
    {
        get;
        set
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(TlsServerName));
            }

            field = value;
        }
    }

    /// <summary>
    /// The certificate authorities the broker's certificate must chain to, instead of the system's trust store
    /// (typically the organisation's private CA). Add to it with
    /// <see cref="X509Certificate2Collection.ImportFromPemFile(string)"/>, or give the configuration key
    /// <c>TlsCaFile</c>.
    /// </summary>
    /// <value>The default is empty: the system's trust store.</value>
    public X509Certificate2Collection TlsCertificateAuthorities { get; } = [];

    /// <summary>
    /// SHA-256 fingerprints of broker certificates to accept (pinning), as hex with or without colons: the
    /// broker's own certificate must match one of them, and then it needs no trusted chain (a self-signed one
    /// will do); its name and validity period are still checked. Give two during a rotation. Configuration key:
    /// <c>TlsCertificatePins</c>, comma-separated.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no pinning, the chain decides.</value>
    /// <exception cref="ArgumentException">A fingerprint is not 32 bytes of hex.</exception>
    public IReadOnlyList<string>? TlsCertificatePins
    {
        get;
        set
        {
            if (value is null)
            {
                field = null;
                return;
            }

            var pins = new List<string>(value.Count);
            foreach (var pin in value)
            {
                pins.Add(NormalizePin(pin));
            }

            field = pins;
        }
    }

    /// <summary>
    /// The client certificate, with its private key, presented to a broker that asks for one (mutual TLS). Load
    /// it with <see cref="X509Certificate2.CreateFromPemFile(string, string?)"/> or
    /// <see cref="X509CertificateLoader.LoadPkcs12FromFile(string, string?, X509KeyStorageFlags, Pkcs12LoaderLimits?)"/>,
    /// or give the configuration keys <c>TlsClientCertificateFile</c> (PEM, or <c>.pfx</c>/<c>.p12</c>),
    /// <c>TlsClientKeyFile</c> (PEM) and <c>TlsClientCertificatePassword</c> (PKCS#12).
    /// </summary>
    /// <value>The default is <see langword="null"/>: none.</value>
    /// <exception cref="ArgumentException">The certificate has no private key.</exception>
    public X509Certificate2? TlsClientCertificate
    {
        get;
        set
        {
            if (value is not null && !value.HasPrivateKey)
            {
                throw new ArgumentException("The TLS client certificate has no private key.", nameof(TlsClientCertificate));
            }

            field = value;
        }
    }

    /// <summary>The TLS versions the bridge may negotiate. Configuration key: <c>TlsProtocols</c>
    /// (<c>Tls12</c>, <c>Tls13</c> or <c>Tls12, Tls13</c>).</summary>
    /// <value>The default is <see cref="SslProtocols.Tls12"/> | <see cref="SslProtocols.Tls13"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="SslProtocols.None"/> or includes a
    /// version older than TLS 1.2.</exception>
    public SslProtocols TlsProtocols
    {
        get;
        set
        {
            if (value == SslProtocols.None || (value & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(TlsProtocols), value, "Only TLS 1.2 and TLS 1.3 can be allowed.");
            }

            field = value;
        }
    } = SslProtocols.Tls12 | SslProtocols.Tls13;

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
    /// <c>UserName</c>, <c>Password</c>, <c>ConnectionString</c> (or <c>Uri</c>), <c>UseTls</c>,
    /// <c>TlsServerName</c>, <c>TlsCaFile</c> (a PEM bundle, added to <see cref="TlsCertificateAuthorities"/>),
    /// <c>TlsCertificatePins</c> (comma-separated), <c>TlsClientCertificateFile</c>, <c>TlsClientKeyFile</c>,
    /// <c>TlsClientCertificatePassword</c> and <c>TlsProtocols</c>. Files are read here. Keys that are absent
    /// leave their settings unchanged. No reflection is used, so this works in trimmed and AOT-compiled
    /// applications.
    /// </summary>
    /// <param name="section">The section, for example <c>configuration.GetSection("RabbitMQ")</c>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    /// <exception cref="ArgumentException">A value is malformed or a file cannot be read (the message names the
    /// key, never a password).</exception>
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

        if (section["TlsCaFile"] is { Length: > 0 } caFile)
        {
            var authorities = new X509Certificate2Collection();
            ReadFile("TlsCaFile", () =>
            {
                authorities.ImportFromPemFile(caFile);
                return authorities.Count;
            });
            if (authorities.Count == 0)
            {
                throw new ArgumentException($"The RabbitMQ setting 'TlsCaFile' names a file with no PEM certificate: {caFile}", nameof(section));
            }

            TlsCertificateAuthorities.AddRange(authorities);
        }

        if (section["TlsCertificatePins"] is { Length: > 0 } pins)
        {
            TlsCertificatePins = ReadSetting("TlsCertificatePins", () => pins.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (section["TlsClientCertificateFile"] is { Length: > 0 } certificateFile)
        {
            var keyFile = section["TlsClientKeyFile"] is { Length: > 0 } key ? key : null;
            var certificatePassword = section["TlsClientCertificatePassword"];
            TlsClientCertificate = ReadFile("TlsClientCertificateFile", () =>
                certificateFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificateFile.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
                    ? X509CertificateLoader.LoadPkcs12FromFile(certificateFile, certificatePassword)
                    : X509Certificate2.CreateFromPemFile(certificateFile, keyFile));
        }

        if (section["TlsProtocols"] is { Length: > 0 } protocols)
        {
            TlsProtocols = ReadSetting("TlsProtocols", () => ParseProtocols(protocols));
        }

        return this;

        T ReadSetting<T>(string key, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"The RabbitMQ setting '{key}' is malformed: {ex.Message}", nameof(section), ex);
            }
        }

        T ReadFile<T>(string key, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                // CryptographicException messages name neither the password nor the key material.
                throw new ArgumentException($"The RabbitMQ setting '{key}' could not be read: {ex.Message}", nameof(section), ex);
            }
        }
    }

    /// <summary>Checks what can only be checked once everything is set: called when the bridge starts.</summary>
    /// <exception cref="InvalidOperationException">Credentials are missing, the user is <c>guest</c>, or TLS settings
    /// are given for a connection without TLS.</exception>
    internal void Validate()
    {
        var (_, _, _, user, password, tls) = Resolve();
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            throw new InvalidOperationException(
                "RabbitMQ credentials are missing: set Connection.UserName and Connection.Password (or a connection string). " +
                "The bridge never falls back to the broker's guest account.");
        }

        if (string.Equals(user, "guest", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                "The RabbitMQ user 'guest' is refused: it is the broker's well-known default account, with a well-known password. " +
                "Give the application a user of its own, with rights on its virtual host only.");
        }

        if (!tls && (TlsCertificateAuthorities.Count > 0 || TlsCertificatePins is { Count: > 0 } || TlsClientCertificate is not null || TlsServerName is not null))
        {
            throw new InvalidOperationException(
                "TLS settings are given (a CA, a pin, a client certificate or a server name) but the connection does not use TLS: set UseTls, or use an amqps:// connection string.");
        }
    }

    private static string NormalizePin(string pin)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pin);
        var hex = pin.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"A TLS certificate pin must be a SHA-256 fingerprint, 64 hex digits (colons allowed); got '{pin}'.", nameof(pin));
        }

        return hex.ToUpperInvariant();
    }

    private static SslProtocols ParseProtocols(string text)
    {
        var protocols = SslProtocols.None;
        foreach (var part in text.Split([',', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            protocols |= part.ToUpperInvariant() switch
            {
                "TLS12" or "TLS1.2" or "1.2" => SslProtocols.Tls12,
                "TLS13" or "TLS1.3" or "1.3" => SslProtocols.Tls13,
                _ => throw new ArgumentException($"'{part}' is not a TLS version this bridge allows (Tls12, Tls13)."),
            };
        }

        return protocols == SslProtocols.None ? throw new ArgumentException("No TLS version given.") : protocols;
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
