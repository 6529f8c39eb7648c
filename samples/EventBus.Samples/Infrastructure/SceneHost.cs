using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Infrastructure;

/// <summary>
/// A Generic Host built for one scene: the scene registers its services and calls
/// <c>AddEventBus</c> exactly as an application would, the host starts the bus, and stopping the
/// host drains it. One host per scene keeps scenes isolated from each other.
/// </summary>
internal sealed class SceneHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private SceneHost(IHost host, LogCollector logs)
    {
        _host = host;
        Logs = logs;
    }

    public IServiceProvider Services => _host.Services;

    public IEventBus Bus => _host.Services.GetRequiredService<IEventBus>();

    /// <summary>Everything the host and the bus logged. Logs are kept here, not written to the
    /// console, so they never tear through a table.</summary>
    public LogCollector Logs { get; }

    /// <summary>Builds and starts a host with the services <paramref name="configure"/> registers.</summary>
    public static async Task<SceneHost> StartAsync(Action<IServiceCollection> configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);

        // The empty builder reads no configuration files and adds no console logger: the scene's
        // output is the only thing on the screen.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<ConsoleLifetimeOptions>(static o => o.SuppressStatusMessages = true);
        configure(builder.Services);

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new SceneHost(host, logs);
    }

    /// <summary>
    /// Stops the host, which drains the bus (its hosted service calls <c>CompleteAsync</c>), and
    /// reports the drain and every subscription's counters.
    /// </summary>
    public async Task<BusReport> StopAsync(CancellationToken cancellationToken = default)
    {
        var bus = Bus;

        // Read the list before the drain: a drained subscription leaves the bus's live list, but
        // its counters stay readable.
        var subscriptions = bus.Subscriptions;
        _stopped = true;
        await _host.StopAsync(cancellationToken);

        // Idempotent: after the host's drain this returns that drain's result.
        var drain = await bus.CompleteAsync(cancellationToken);
        var reports = new List<SubscriptionReport>(subscriptions.Count);
        foreach (var subscription in subscriptions)
        {
            reports.Add(new SubscriptionReport(subscription.Name, subscription.Topic, subscription.GetStatistics()));
        }

        return new BusReport(drain, reports);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            // The scene failed or was cancelled before it stopped the host. Stop now with a deadline
            // that has already passed: handlers are cancelled and what is left is abandoned (and
            // counted), instead of a drain that could wait on a stuck handler for the full timeout.
            _stopped = true;
            await _host.StopAsync(new CancellationToken(canceled: true));
        }

        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
