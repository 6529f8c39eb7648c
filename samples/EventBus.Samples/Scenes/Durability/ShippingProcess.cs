using System.Globalization;
using EventBus.Samples.Infrastructure;
using EventBus.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// The shop's worker process: the demo program started again by the <c>durability</c> scene with
/// <see cref="ShippingPlan.WorkerCommand"/>. It is a small application: a Generic Host with <c>AddEventBus</c> and a
/// durable work queue registered with <c>AddWorkQueue&lt;ShipOrder, ShippingWorker&gt;(persistence)</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>run &lt;database&gt; &lt;tick ms&gt;</c>: enqueue the plan's orders and ship them; the stuck orders hang,
/// and the process waits to be killed.</item>
/// <item><c>restart &lt;database&gt; &lt;tick ms&gt;</c>: open the same file and ship what it holds; when its standard input
/// closes, stop the host (which drains the queue), say <c>STOPPED</c> and exit.</item>
/// </list>
/// </remarks>
internal static class ShippingProcess
{
    public const string RunMode = "run";
    public const string RestartMode = "restart";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count != 3 || args[0] is not (RunMode or RestartMode) ||
            !int.TryParse(args[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var tickMs) || tickMs < 0)
        {
            await Console.Error.WriteLineAsync($"usage: {ShippingPlan.WorkerCommand} {RunMode}|{RestartMode} <database> <tick ms>");
            return 2;
        }

        var first = args[0] == RunMode;
        var path = args[1];
        var run = new WorkerRun(first ? 1 : 2, hangs: first, TimeSpan.FromMilliseconds(tickMs), Console.Out);
        using var ledger = new ShipmentLedger(path);
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(ledger);
            services.AddSingleton(run);
            services.AddEventBus()
                .AddWorkQueue<ShipOrder, ShippingWorker>(ShippingPlan.Persistence(path), static o =>
                {
                    o.WorkerCount = ShippingPlan.Workers;
                    o.Capacity = ShippingPlan.Capacity;
                });
        });
        run.Write(WorkerLine.Ready);

        if (first)
        {
            var queue = host.Services.GetRequiredService<IWorkQueue<ShipOrder>>();
            foreach (var order in ShippingPlan.Orders)
            {
                await queue.EnqueueAsync(order);
                run.Report(WorkerLine.Acknowledged, order.Number);
            }
        }

        // The first run is killed while it waits here; the restart is told to stop by its input closing.
        await Console.In.ReadToEndAsync();
        await host.StopAsync();
        var processed = host.Services.GetRequiredService<SqliteWorkQueue<ShipOrder>>().GetStatistics().Processed;
        run.Write(string.Create(CultureInfo.InvariantCulture, $"{WorkerLine.Stopped} 0 {processed}"));
        return 0;
    }
}
