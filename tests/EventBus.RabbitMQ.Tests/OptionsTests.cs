using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EventBus.RabbitMQ.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Options that validate themselves, and settings that never leak a secret. No broker needed.</summary>
public sealed class OptionsTests
{
    private const string Secret = "s3cret-Pa55word";

    [Fact]
    public void A_connection_string_is_used_but_never_shown()
    {
        var connection = new RabbitMQConnectionOptions { Uri = new Uri($"amqps://bob:{Secret}@rabbit.example:5673/prod") };

        connection.ToString().Should().Be("amqps://bob:***@rabbit.example:5673/prod");
        connection.Resolve().Should().Be(("rabbit.example", 5673, "prod", "bob", Secret, true));
    }

    [Fact]
    public void Separate_settings_are_shown_redacted_with_the_default_port_for_the_scheme()
    {
        var connection = new RabbitMQConnectionOptions { HostName = "mq", UserName = "app", Password = Secret, VirtualHost = "orders", UseTls = true };

        connection.ToString().Should().Be("amqps://app:***@mq:5671/orders").And.NotContain(Secret);
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_echoing_it()
    {
        var connection = new RabbitMQConnectionOptions();

        var act = () => connection.Uri = new Uri($"http://bob:{Secret}@rabbit.example/");

        act.Should().Throw<ArgumentException>().Which.ToString().Should().NotContain(Secret);
    }

    [Fact]
    public void Connection_settings_are_read_from_configuration()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMQ:HostName"] = "mq.internal",
            ["RabbitMQ:Port"] = "5673",
            ["RabbitMQ:VirtualHost"] = "shop",
            ["RabbitMQ:UserName"] = "shop-app",
            ["RabbitMQ:Password"] = Secret,
            ["RabbitMQ:UseTls"] = "true",
        }).Build().GetSection("RabbitMQ");

        var connection = new RabbitMQConnectionOptions().ReadFrom(section);

        connection.Resolve().Should().Be(("mq.internal", 5673, "shop", "shop-app", Secret, true));
        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Port"] = Secret }).Build();
        new Action(() => new RabbitMQConnectionOptions().ReadFrom(bad)).Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("Port").And.NotContain(Secret);
    }

    [Fact]
    public void Bad_values_throw_when_they_are_set()
    {
        var options = new RabbitMQOptions();

        new Action(() => options.ExchangeName = " ").Should().Throw<ArgumentException>();
        new Action(() => options.PrefetchCount = 0).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.ForwardCapacity = 0).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.ForwardFullMode = (BufferFullMode)42).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.PublishTimeout = TimeSpan.Zero).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.Connection.Port = 70000).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.Publish<Job>("jobs.#")).Should().Throw<ArgumentException>().WithMessage("*wildcards*");
        new Action(() => options.Subscribe<Job>("*")).Should().Throw<ArgumentException>();
        new Action(() => options.Consume<Job>(" ", (_, _, _) => default)).Should().Throw<ArgumentException>();
        new Action(() => options.MapType<Job>("x", schemaVersion: 0)).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.MaxMessageSize = 0).Should().Throw<ArgumentOutOfRangeException>();
        new Action(() => options.MaxMessageSize = 512 * 1024 * 1024 + 1).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxMessageSize*");
        new Action(() => options.Connection.TlsServerName = " ").Should().Throw<ArgumentException>();
        new Action(() => options.Connection.TlsProtocols = SslProtocols.None).Should().Throw<ArgumentOutOfRangeException>();
#pragma warning disable SYSLIB0039, CA5397 // TLS 1.1 is obsolete: refusing it is the point.
        new Action(() => options.Connection.TlsProtocols = SslProtocols.Tls11 | SslProtocols.Tls12).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*TLS 1.2*");
#pragma warning restore SYSLIB0039, CA5397
        new Action(() => options.Connection.TlsCertificatePins = ["abcd"]).Should().Throw<ArgumentException>().WithMessage("*SHA-256*");
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new RabbitMQOptions();

        options.MaxMessageSize.Should().Be(16 * 1024 * 1024);
        options.DeclareTopology.Should().BeTrue();
        options.Connection.TlsProtocols.Should().Be(SslProtocols.Tls12 | SslProtocols.Tls13);
        options.Connection.TlsCertificateAuthorities.Should().BeEmpty();
        options.Connection.TlsCertificatePins.Should().BeNull();
        options.Connection.TlsClientCertificate.Should().BeNull();
    }

    [Fact]
    public void Pins_are_normalised_from_the_usual_fingerprint_spellings()
    {
        var hex = Convert.ToHexString(SHA256.HashData("certificate"u8));
        var colons = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2).ToLowerInvariant()));

        new RabbitMQConnectionOptions { TlsCertificatePins = [colons] }.TlsCertificatePins.Should().Equal(hex);
    }

    [Fact]
    public void A_client_certificate_without_its_private_key_is_refused()
    {
        using var withKey = SelfSigned("client");
        using var withoutKey = X509CertificateLoader.LoadCertificate(withKey.RawData);

        new Action(() => new RabbitMQConnectionOptions().TlsClientCertificate = withoutKey).Should().Throw<ArgumentException>().WithMessage("*private key*");
        new RabbitMQConnectionOptions { TlsClientCertificate = withKey }.TlsClientCertificate.Should().BeSameAs(withKey);
    }

    [Fact]
    public void Tls_settings_are_read_from_configuration_files()
    {
        var folder = Directory.CreateTempSubdirectory("eventbus-tls-config-");
        try
        {
            using var ca = SelfSigned("config-ca");
            using var client = SelfSigned("config-client");
            var caFile = Path.Combine(folder.FullName, "ca.pem");
            var certificateFile = Path.Combine(folder.FullName, "client.pem");
            var keyFile = Path.Combine(folder.FullName, "client.key");
            File.WriteAllText(caFile, ca.ExportCertificatePem());
            File.WriteAllText(certificateFile, client.ExportCertificatePem());
            using (var key = client.GetECDsaPrivateKey()!)
            {
                File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            }

            var pin = Convert.ToHexString(SHA256.HashData(ca.RawData));
            var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["UseTls"] = "true",
                ["TlsServerName"] = "mq.internal",
                ["TlsCaFile"] = caFile,
                ["TlsCertificatePins"] = $"{pin}, {pin.ToLowerInvariant()}",
                ["TlsClientCertificateFile"] = certificateFile,
                ["TlsClientKeyFile"] = keyFile,
                ["TlsProtocols"] = "Tls13",
            }).Build();

            var connection = new RabbitMQConnectionOptions().ReadFrom(section);

            connection.TlsServerName.Should().Be("mq.internal");
            connection.TlsCertificateAuthorities.Should().ContainSingle().Which.Thumbprint.Should().Be(ca.Thumbprint);
            connection.TlsCertificatePins.Should().Equal(pin, pin);
            connection.TlsClientCertificate!.HasPrivateKey.Should().BeTrue();
            connection.TlsClientCertificate.Thumbprint.Should().Be(client.Thumbprint);
            connection.TlsProtocols.Should().Be(SslProtocols.Tls13);

            var missing = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TlsCaFile"] = Path.Combine(folder.FullName, "nope.pem") }).Build();
            new Action(() => new RabbitMQConnectionOptions().ReadFrom(missing)).Should().Throw<ArgumentException>().WithMessage("*TlsCaFile*");
            var legacy = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TlsProtocols"] = "Tls11" }).Build();
            new Action(() => new RabbitMQConnectionOptions().ReadFrom(legacy)).Should().Throw<ArgumentException>().WithMessage("*TlsProtocols*");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Tls_settings_without_tls_fail_the_start_rather_than_connect_in_plain_text()
    {
        using var ca = SelfSigned("ca");
        using var host = Build(rabbit =>
        {
            rabbit.Connection.UserName = "app";
            rabbit.Connection.Password = "p";
            rabbit.Connection.TlsCertificateAuthorities.Add(ca);
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("UseTls");
    }

    [Fact]
    public void Two_types_cannot_share_a_wire_name()
    {
        var options = new RabbitMQOptions().MapType<Job>("shared-name");

        new Action(() => options.MapType<OrderPlaced>("shared-name")).Should().Throw<ArgumentException>().WithMessage("*already used by Job*");
    }

    [Fact]
    public void AddRabbitMQ_twice_is_refused()
    {
        var builder = new ServiceCollection().AddEventBus().AddRabbitMQ(_ => { });

        new Action(() => builder.AddRabbitMQ(_ => { })).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public async Task Missing_credentials_fail_the_start_and_never_fall_back_to_guest()
    {
        using var host = Build(rabbit => rabbit.Connection.HostName = "127.0.0.1");

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("credentials").And.Contain("guest");
    }

    [Theory]
    [InlineData("guest")]
    [InlineData("Guest")]
    public async Task Guest_given_explicitly_is_refused_by_name(string user)
    {
        using var host = Build(rabbit =>
        {
            rabbit.Connection.HostName = "127.0.0.1";
            rabbit.Connection.UserName = user;
            rabbit.Connection.Password = "guest";
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'guest' is refused");
        var deploy = new RabbitMQOptions();
        deploy.Connection.Uri = new Uri("amqp://guest:guest@127.0.0.1/");
        await new Func<Task>(() => RabbitMQTopology.DeclareAsync(deploy)).Should().ThrowAsync<InvalidOperationException>().WithMessage("*'guest' is refused*");
    }

    [Fact]
    public async Task A_type_without_json_metadata_fails_the_start_naming_the_type()
    {
        using var host = Build(rabbit =>
        {
            rabbit.Connection.UserName = "u";
            rabbit.Connection.Password = "p";
            rabbit.SerializerOptions = new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default };
            rabbit.Publish<NotInTheContext>();
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain(nameof(NotInTheContext)).And.Contain("JsonSerializable");
    }

    [Fact]
    public void Without_the_connection_file_broker_tests_fail_and_say_what_to_run()
    {
        var act = () => BrokerEnvironment.Load(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "connection.env"));

        act.Should().Throw<InvalidOperationException>().WithMessage("*./scripts/test.sh*scripts/rabbitmq.sh*");
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static IHost Build(Action<RabbitMQOptions> rabbit)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEventBus().AddRabbitMQ(rabbit);
        return builder.Build();
    }

    public sealed record NotInTheContext(int Value);
}
