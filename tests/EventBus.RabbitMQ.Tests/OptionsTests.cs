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

    private static IHost Build(Action<RabbitMQOptions> rabbit)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEventBus().AddRabbitMQ(rabbit);
        return builder.Build();
    }

    public sealed record NotInTheContext(int Value);
}
