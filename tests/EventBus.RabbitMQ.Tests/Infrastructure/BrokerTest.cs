using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// Base of the broker tests: a fresh exchange, dead-letter exchange and queue names per test, deleted at the
/// end; and application instances, each a Generic Host with its own service provider, bus and bridge. By
/// default an instance is started the way docs/rabbitmq.md recommends for production: its topology is first
/// declared by the deploy-time user (<see cref="RabbitMQTopology"/>), then the bridge runs as the run-time user,
/// whose narrower permissions let it declare nothing but its own instance queue.
/// </summary>
[Collection(BrokerCollection.Name)]
public abstract class BrokerTest(BrokerFixture broker) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private readonly List<string> _queues = [];

    protected BrokerFixture Broker { get; } = broker;

    /// <summary>This test's own exchange.</summary>
    protected string Exchange { get; } = $"eventbus-test-{Guid.NewGuid().ToString("N")[..10]}";

    protected string DeadLetterExchange => $"{Exchange}.dead-letter";

    protected string DeadLetterQueue => DeadLetterExchange;

    /// <summary>A shared queue name for this test, deleted at the end.</summary>
    protected string QueueName(string name)
    {
        var queue = $"{Exchange}.{name}";
        _queues.Add(queue);
        return queue;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await StopQuietlyAsync(host);
        }

        await Broker.DeleteAsync([.. _queues, DeadLetterQueue], [Exchange, DeadLetterExchange]);
    }

    /// <summary>A name for an instance that the run-time user's permissions allow (<c>instance-{hex}</c>).</summary>
    protected static string NewInstanceName() => $"instance-{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>
    /// Starts one application instance: a host with the bus and the bridge, connected to the test broker as the
    /// run-time user, with <see cref="RabbitMQOptions.DeclareTopology"/> off. With <paramref name="deploy"/>, the
    /// same options are first used by the deploy-time user to declare the topology, as a deployment would.
    /// </summary>
    protected async Task<IHost> StartInstanceAsync(
        Action<RabbitMQOptions> rabbit,
        Action<IEventBusBuilder>? bus = null,
        Action<EventBusOptions>? busOptions = null,
        bool deploy = true,
        ILoggerFactory? loggerFactory = null)
    {
        var instanceName = NewInstanceName();
        if (deploy)
        {
            await DeployAsync(rabbit);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var eventBus = builder.Services.AddEventBus(busOptions);
        bus?.Invoke(eventBus);
        eventBus.AddRabbitMQ(options => Configure(options, instanceName, rabbit));
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    /// <summary>The deployment step alone: the deploy-time user declares the topology these options describe
    /// (exchanges, dead-letter queue, the shared queues of their <c>Consume</c> registrations).</summary>
    protected async Task DeployAsync(Action<RabbitMQOptions> rabbit)
    {
        var deployment = new RabbitMQOptions();
        Configure(deployment, NewInstanceName(), rabbit);
        Broker.Settings.ApplyDeployUserTo(deployment.Connection);
        await RabbitMQTopology.DeclareAsync(deployment);
    }

    private void Configure(RabbitMQOptions options, string instanceName, Action<RabbitMQOptions> rabbit)
    {
        Broker.Settings.ApplyTo(options.Connection);
        options.Connection.NetworkRecoveryInterval = TimeSpan.FromSeconds(1);
        options.ExchangeName = Exchange;
        options.InstanceName = instanceName;
        options.DeclareTopology = false;
        options.Source = "/eventbus-tests";
        options.SerializerOptions = new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default };
        rabbit(options);
    }

    protected static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or RabbitMQBridgeException)
        {
            // Stopped and disposed by the test already, or never started.
        }

        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }
}

/// <summary>Service-provider shortcuts for tests.</summary>
public static class HostExtensions
{
    public static IEventBus Bus(this IHost host) => host.Services.GetRequiredService<IEventBus>();

    public static IRabbitMQBridge Bridge(this IHost host) => host.Services.GetRequiredService<IRabbitMQBridge>();
}
