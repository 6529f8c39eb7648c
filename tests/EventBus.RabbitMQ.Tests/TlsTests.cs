using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>
/// TLS against the test node's AMQPS listener, with the certificates scripts/rabbitmq.sh made with openssl: a test CA,
/// an unrelated CA, a server certificate for localhost and mtls.eventbus.test, an expired one the node presents for
/// expired.eventbus.test, and a client certificate, which the node requires for mtls.eventbus.test.
/// </summary>
public sealed class TlsTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task With_the_right_CA_the_bridge_connects_over_TLS_and_events_go_through()
    {
        await RoundTripAsync("the right CA", rabbit => UseTls(rabbit, "localhost"));
    }

    [Fact]
    public async Task With_a_pinned_server_certificate_the_bridge_connects_without_trusting_any_CA()
    {
        using var server = X509CertificateLoader.LoadCertificateFromFile(Broker.Settings.TlsFile("server.pem"));
        var pin = Convert.ToHexString(SHA256.HashData(server.RawData));

        await RoundTripAsync("a pinned certificate", rabbit => UseTls(rabbit, "localhost", ca: null, pins: [pin]));
    }

    [Fact]
    public async Task Mutual_TLS_with_a_client_certificate_works()
    {
        await RoundTripAsync("mutual TLS", rabbit => UseTls(rabbit, "mtls.eventbus.test", clientCertificate: true));
    }

    [Fact]
    public async Task Settings_read_from_configuration_connect_over_TLS()
    {
        await RoundTripAsync("TLS from configuration", rabbit => rabbit.Connection.ReadFrom(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Port"] = Broker.Settings.RequireTlsPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["UseTls"] = "true",
            ["TlsServerName"] = "mtls.eventbus.test",
            ["TlsCaFile"] = Broker.Settings.TlsFile("ca.pem"),
            ["TlsClientCertificateFile"] = Broker.Settings.TlsFile("client.pem"),
            ["TlsClientKeyFile"] = Broker.Settings.TlsFile("client.key"),
            ["TlsProtocols"] = "Tls12, Tls13",
        }).Build()));
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_refused_saying_so()
    {
        var error = await RefusedAsync(rabbit => UseTls(rabbit, "localhost", ca: "other-ca.pem"));

        error.Message.Should().Contain("TLS").And.Contain("does not chain to the certificate authorities in TlsCertificateAuthorities")
            .And.Contain("Unrelated test CA").And.Contain("issued by 'CN=EventBus test CA'")
            .And.NotContain("expired").And.NotContain("is not for");
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_refused_saying_so()
    {
        var error = await RefusedAsync(rabbit => UseTls(rabbit, "wrong.eventbus.test"));

        error.Message.Should().Contain("is not for 'wrong.eventbus.test'").And.Contain("localhost")
            .And.NotContain("expired").And.NotContain("does not chain");
    }

    [Fact]
    public async Task An_expired_server_certificate_is_refused_saying_so()
    {
        var error = await RefusedAsync(rabbit => UseTls(rabbit, "expired.eventbus.test"));

        error.Message.Should().Contain("it expired on 2020-01-02").And.Contain("expired.eventbus.test")
            .And.NotContain("is not for").And.NotContain("does not chain");
    }

    [Fact]
    public async Task A_certificate_that_matches_no_pin_is_refused_saying_so()
    {
        var error = await RefusedAsync(rabbit => UseTls(rabbit, "localhost", ca: null, pins: [new string('A', 64)]));

        error.Message.Should().Contain("matches none of TlsCertificatePins");
    }

    [Fact]
    public async Task Without_a_client_certificate_a_broker_that_requires_one_refuses_the_connection()
    {
        var error = await RefusedAsync(rabbit => UseTls(rabbit, "mtls.eventbus.test"));

        error.Message.Should().Contain("TLS").And.Contain("client certificate");
    }

    [Fact]
    public async Task A_refused_certificate_is_logged_too()
    {
        var logs = new CollectingLoggerFactory();

        await RefusedAsync(rabbit => UseTls(rabbit, "expired.eventbus.test"), logs);

        logs.Entries.Should().Contain(e => e.EventId.Id == 3016 && e.Message.Contains("expired", StringComparison.Ordinal));
    }

    private void UseTls(RabbitMQOptions rabbit, string serverName, string? ca = "ca.pem", string[]? pins = null, bool clientCertificate = false)
    {
        var connection = rabbit.Connection;
        connection.Port = Broker.Settings.RequireTlsPort();
        connection.UseTls = true;
        connection.TlsServerName = serverName;
        connection.ConnectionTimeout = TimeSpan.FromSeconds(20);
        if (ca is not null)
        {
            connection.TlsCertificateAuthorities.ImportFromPemFile(Broker.Settings.TlsFile(ca));
        }

        connection.TlsCertificatePins = pins;
        if (clientCertificate)
        {
            connection.TlsClientCertificate = X509Certificate2.CreateFromPemFile(Broker.Settings.TlsFile("client.pem"), Broker.Settings.TlsFile("client.key"));
        }
    }

    /// <summary>Over TLS: one instance consumes, another publishes, every event arrives.</summary>
    private async Task RoundTripAsync(string scenario, Action<RabbitMQOptions> tls)
    {
        const int Count = 10;
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<int>();
        await StartInstanceAsync(rabbit =>
        {
            tls(rabbit);
            rabbit.MapTestTypes().Consume<Job>(queue, (job, _, _) =>
            {
                ledger.Handled(job.Number);
                return default;
            }, Wire.JobsTopic);
        });
        var a = await StartInstanceAsync(rabbit =>
        {
            tls(rabbit);
            rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic);
        });
        a.Bridge().IsConnected.Should().BeTrue();

        for (var i = 1; i <= Count; i++)
        {
            ledger.Sent(i);
            await a.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.For(ledger.WhenSettledAsync(Count), "every job over TLS");
        await Signals.Until(() => a.Bridge().GetStatistics().Sent == Count, "every confirm");
        var report = ledger.Report(a.Bridge().GetStatistics().Sent).WriteTo(output, $"TLS with {scenario}");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(Count);
    }

    private async Task<RabbitMQBridgeException> RefusedAsync(Action<RabbitMQOptions> tls, CollectingLoggerFactory? logs = null)
    {
        var start = () => StartInstanceAsync(
            rabbit =>
            {
                tls(rabbit);
                rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic);
            },
            deploy: false,
            loggerFactory: logs);

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().StartWith("The RabbitMQ bridge could not connect at amqps://");
        error.ToString().Should().NotContain(Broker.Settings.Password);
        output.WriteLine(error.Message);
        return error;
    }
}
