using EventBus.RabbitMQ.Tests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Against the real broker: refused credentials and missing rights fail the start clearly, with no secret
/// in what is reported, and the run-time user can do no more than the bridge needs.</summary>
public sealed class SecurityTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    [Fact]
    public async Task A_wrong_password_is_reported_as_an_authentication_failure_and_takes_no_message()
    {
        const string WrongPassword = "not-the-password-4711";

        var error = await RefusedConsumerTakesNothingAsync<RabbitMQBridgeException>("a wrong password, then the right one", rabbit =>
        {
            rabbit.Connection.Password = WrongPassword;
            rabbit.Connection.ConnectionTimeout = TimeSpan.FromSeconds(10);
        });

        error.Message.Should().Contain("authentication failed").And.Contain($"user '{Broker.Settings.User}'")
            .And.Contain($"{Broker.Settings.User}:***@").And.NotContain("None of the specified endpoints");
        error.ToString().Should().NotContain(WrongPassword).And.NotContain(Broker.Settings.Password);
    }

    [Fact]
    public async Task Guest_given_explicitly_is_refused_by_name_and_takes_no_message()
    {
        var error = await RefusedConsumerTakesNothingAsync<InvalidOperationException>("guest, then the application's user", rabbit =>
        {
            rabbit.Connection.UserName = "guest";
            rabbit.Connection.Password = "guest";
        });

        error.Message.Should().Contain("'guest' is refused");
    }

    [Fact]
    public async Task The_test_user_has_no_rights_outside_its_own_virtual_host()
    {
        var start = () => StartInstanceAsync(
            rabbit =>
            {
                rabbit.Connection.VirtualHost = "/";
                rabbit.Connection.ConnectionTimeout = TimeSpan.FromSeconds(10);
                rabbit.MapTestTypes().Publish<Job>();
            },
            deploy: false);

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().Contain("/%2F").And.Contain("***").And.Contain("virtual host '/'");
        error.ToString().Should().NotContain(Broker.Settings.Password);
    }

    [Fact]
    public async Task The_run_time_user_may_not_declare_or_delete_the_topology_nor_read_the_dead_letters()
    {
        await DeployAsync(rabbit => rabbit.MapTestTypes());
        var connection = await Broker.ConnectAsAsync(Broker.Settings.User, Broker.Settings.Password);
        await using (connection)
        {
            async Task<ushort> RefusedAsync(Func<IChannel, Task> operation)
            {
                var channel = await connection.CreateChannelAsync();
                await using (channel)
                {
                    var act = () => operation(channel);
                    return (await act.Should().ThrowAsync<OperationInterruptedException>()).Which.ShutdownReason!.ReplyCode;
                }
            }

            (await RefusedAsync(c => c.ExchangeDeclareAsync($"{Exchange}-other", ExchangeType.Topic, durable: true))).Should().Be(403, "it declares no exchange");
            (await RefusedAsync(c => c.ExchangeDeleteAsync(Exchange))).Should().Be(403, "it deletes no exchange");
            (await RefusedAsync(c => c.QueueDeclareAsync($"{Exchange}.shared", durable: true, exclusive: false, autoDelete: false))).Should().Be(403, "it declares no shared queue");
            (await RefusedAsync(c => c.QueuePurgeAsync(DeadLetterQueue))).Should().Be(403, "it cannot empty the dead letters");
            (await RefusedAsync(c => c.BasicConsumeAsync(DeadLetterQueue, autoAck: true, new AsyncEventingBasicConsumerStub(c)))).Should().Be(403, "it cannot read them");

            // What the bridge does need: its own instance queue.
            var own = await connection.CreateChannelAsync();
            await using (own)
            {
                var queue = $"{Exchange}.{NewInstanceName()}";
                await own.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
                await own.QueueBindAsync(queue, Exchange, "orders");
            }
        }
    }

    [Fact]
    public async Task The_bridge_declaring_its_topology_as_the_run_time_user_is_refused_naming_the_permission()
    {
        var start = () => StartInstanceAsync(
            rabbit =>
            {
                rabbit.DeclareTopology = true;
                rabbit.MapTestTypes().Publish<Job>();
            },
            deploy: false);

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().Contain($"declare the exchange '{Exchange}'").And.Contain("a permission is missing").And.Contain("ACCESS_REFUSED");
    }

    [Fact]
    public async Task Without_the_deployed_topology_the_start_names_what_is_missing()
    {
        var queue = QueueName("jobs");
        await DeployAsync(rabbit => rabbit.MapTestTypes());

        var start = () => StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(queue, (_, _, _) => default), deploy: false);

        var error = (await start.Should().ThrowAsync<RabbitMQBridgeException>()).Which;
        error.Message.Should().Contain($"the shared queue '{queue}' does not exist").And.Contain("RabbitMQTopology.DeclareAsync");
    }

    [Fact]
    public async Task With_DeclareTopology_a_user_with_the_configure_permission_needs_no_deploy_step()
    {
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<int>();
        void AsDeployUser(RabbitMQOptions rabbit)
        {
            rabbit.DeclareTopology = true;
            Broker.Settings.ApplyDeployUserTo(rabbit.Connection);
        }

        await StartInstanceAsync(
            rabbit =>
            {
                AsDeployUser(rabbit);
                rabbit.MapTestTypes().Consume<Job>(queue, (job, _, _) =>
                {
                    ledger.Handled(job.Number);
                    return default;
                }, Wire.JobsTopic);
            },
            deploy: false);
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic), deploy: false);

        ledger.Sent(1);
        await a.Bus().PublishAsync(new Job(1), PublishOptions.ForTopic(Wire.JobsTopic));

        await Signals.For(ledger.WhenSettledAsync(1), "the job on a queue the bridge declared itself");
        await Signals.Until(() => a.Bridge().GetStatistics().Sent == 1, "the job's confirm");
        var report = ledger.Report(a.Bridge().GetStatistics().Sent).WriteTo(output, "the bridge declares its own topology");
        report.Lost.Should().Be(0);
    }

    /// <summary>Jobs wait on a shared queue; a consumer with broken credentials fails its start and takes none of
    /// them; a consumer with the right ones then handles every one. Returns the refusal.</summary>
    private async Task<TException> RefusedConsumerTakesNothingAsync<TException>(string scenario, Action<RabbitMQOptions> breakCredentials)
        where TException : Exception
    {
        const int Count = 5;
        var queue = QueueName("jobs");
        var ledger = new DeliveryLedger<int>();
        Action<RabbitMQOptions> consumer = rabbit => rabbit.MapTestTypes().Consume<Job>(queue, (job, _, _) =>
        {
            ledger.Handled(job.Number);
            return default;
        }, Wire.JobsTopic);
        await DeployAsync(consumer);
        var producer = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic), deploy: false);
        for (var i = 1; i <= Count; i++)
        {
            ledger.Sent(i);
            await producer.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.Until(() => producer.Bridge().GetStatistics().Sent == Count, "the jobs to be confirmed");

        var start = () => StartInstanceAsync(
            rabbit =>
            {
                consumer(rabbit);
                breakCredentials(rabbit);
            },
            deploy: false);
        var error = (await start.Should().ThrowAsync<TException>()).Which;
        (await Broker.MessageCountAsync(queue)).Should().Be(Count, "the refused instance took nothing");

        await StartInstanceAsync(consumer, deploy: false);
        await Signals.For(ledger.WhenSettledAsync(Count), "the jobs, by an instance with the right credentials");
        var report = ledger.Report(producer.Bridge().GetStatistics().Sent).WriteTo(output, scenario);
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(Count);
        report.Duplicates.Should().Be(0);
        return error;
    }

    private sealed class AsyncEventingBasicConsumerStub(IChannel channel) : AsyncDefaultBasicConsumer(channel);
}
