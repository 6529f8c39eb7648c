using EventBus.Samples.Infrastructure;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Samples.Tests;

public sealed class SceneHostTests
{
    [Fact]
    public async Task Stopping_drains_the_bus_and_reports_each_subscription()
    {
        await using var host = await SceneHost.StartAsync(services => services.AddEventBus());
        var received = new Recorder<Ping>();
        host.Bus.Subscribe<Ping>(received.Record, new SubscriptionOptions { Name = "probe" });
        for (var i = 1; i <= 5; i++)
        {
            await host.Bus.PublishAsync(new Ping(0, i));
        }

        var report = await Wait.For(host.StopAsync(), "the host to stop");

        received.Items.Select(p => p.Sequence).Should().Equal(1, 2, 3, 4, 5);
        report.Drain.Completed.Should().BeTrue();
        report.Drain.Delivered.Should().Be(5);
        report["probe"].Delivered.Should().Be(5);
    }

    [Fact]
    public async Task Disposing_a_host_that_was_never_stopped_abandons_a_stuck_handler_instead_of_waiting_for_it()
    {
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await SceneHost.StartAsync(services => services.AddEventBus(o => o.DrainTimeout = Timeout.InfiniteTimeSpan));
        host.Bus.Subscribe<Ping>(async (_, cancellationToken) =>
        {
            inside.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        });
        await host.Bus.PublishAsync(new Ping(0, 1));
        await Wait.For(inside.Task, "the handler to start");

        // With an infinite drain timeout, a drain would wait forever: disposal must not drain.
        await Wait.For(host.DisposeAsync().AsTask(), "the disposal of a scene that failed half-way");
    }
}
