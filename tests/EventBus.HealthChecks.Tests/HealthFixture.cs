using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace EventBus.HealthChecks.Tests;

public sealed record Order(int Id);

public sealed record Payment(int Id);

/// <summary>Holds handlers until the test lets them go, and says when one is inside.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Countdown Entered { get; set; } = new(1);

    public void Open() => _open.TrySetResult();

    public async ValueTask PassAsync()
    {
        Entered.Signal();
        await _open.Task;
    }
}

public sealed class GatedPayments(Gate gate) : IWorkItemHandler<Payment>
{
    public ValueTask HandleAsync(Payment item, EventContext context, CancellationToken cancellationToken) => gate.PassAsync();
}

/// <summary>A container with the bus, a fake clock, the health check, and helpers to run it.</summary>
public sealed class HealthFixture : IAsyncDisposable
{
    public HealthFixture(Action<EventBusHealthCheckOptions>? configure = null, Action<IEventBusBuilder>? bus = null, HealthStatus? failureStatus = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time).AddSingleton(Gate).AddLogging();
        var builder = services.AddEventBus(o => o.DeadLetterSink = DeadLetters);
        bus?.Invoke(builder);
        services.AddHealthChecks().AddEventBus(configure, failureStatus: failureStatus);
        Services = services.BuildServiceProvider();
    }

    public FakeTimeProvider Time { get; } = new();

    public Gate Gate { get; } = new();

    public DeadLetterQueue DeadLetters { get; } = new();

    public ServiceProvider Services { get; }

    public IEventBus Bus => Services.GetRequiredService<IEventBus>();

    public async Task<HealthReportEntry> CheckAsync()
    {
        var report = await Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[EventBusHealthChecksBuilderExtensions.DefaultName];
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Open();
        await Services.DisposeAsync();
    }
}
