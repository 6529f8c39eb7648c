using EventBus.RabbitMQ.Tests.Infrastructure;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Against the real broker: refused credentials and a virtual host without rights fail the start
/// clearly, and no secret appears in what is reported.</summary>
public sealed class SecurityTests(BrokerFixture broker) : BrokerTest(broker)
{
    [Fact]
    public async Task A_wrong_password_fails_the_start_with_the_endpoint_redacted()
    {
        const string WrongPassword = "not-the-password-4711";

        var start = () => StartInstanceAsync(rabbit =>
        {
            rabbit.Connection.Password = WrongPassword;
            rabbit.Connection.ConnectionTimeout = TimeSpan.FromSeconds(10);
            rabbit.MapTestTypes().Publish<Job>();
        });

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().Contain($"{Broker.Settings.User}:***@");
        error.ToString().Should().NotContain(WrongPassword).And.NotContain(Broker.Settings.Password);
    }

    [Fact]
    public async Task The_test_user_has_no_rights_outside_its_own_virtual_host()
    {
        var start = () => StartInstanceAsync(rabbit =>
        {
            rabbit.Connection.VirtualHost = "/";
            rabbit.Connection.ConnectionTimeout = TimeSpan.FromSeconds(10);
            rabbit.MapTestTypes().Publish<Job>();
        });

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().Contain("/%2F").And.Contain("***");
        error.ToString().Should().NotContain(Broker.Settings.Password);
    }
}
