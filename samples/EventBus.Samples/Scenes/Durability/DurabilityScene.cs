using EventBus.Samples.Infrastructure;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// A durable work queue (EventBus.Sqlite) in a worker process that is killed with SIGKILL in the middle of its work and
/// started again: every order whose enqueue had returned is shipped, the ones the dead process had taken come back
/// flagged as redelivered, and an idempotency check keyed by the message id stops the one that had already shipped
/// from shipping twice. The answer to the curriculum's "no persistence".
/// </summary>
internal sealed class DurabilityScene : Scene<DurabilityResult>
{
    public override string Name => "durability";

    public override string Title => "a durable work queue: kill -9 the worker mid-stream, restart it, lose nothing";

    public override string Summary => "a SQLite work queue: kill -9 the worker, restart it, no acknowledged item lost";

    public override IReadOnlyList<string> Concept =>
    [
        "A crash takes an in-memory queue with it; a durable queue writes each item to a file before enqueue returns.",
        "After a crash the file holds every unfinished item, and those the dead process had taken come back flagged.",
    ];

    public override async Task<DurabilityResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        var directory = Directory.CreateTempSubdirectory("eventbus-durability-");
        try
        {
            var file = new QueueFile(Path.Combine(directory.FullName, "shop.db"));
            console.Say("The shop's worker is a process of its own (this program, started again). It owns shop.db, a SQLite file,");
            console.Say($"with a durable queue: AddWorkQueue<ShipOrder, ShippingWorker>(persistence), {ShippingPlan.Workers} workers, a buffer of {ShippingPlan.Capacity}.");
            console.Say($"It enqueues {ShippingPlan.Orders.Count} orders; each enqueue returns once its order is committed to the file.");
            console.Say($"Order {ShippingPlan.StuckAfterShipping}'s parcel leaves, then its handler hangs before returning; order {ShippingPlan.StuckBeforeShipping}'s hangs on the courier.");

            var first = new RunLog(1);
            IReadOnlyList<QueueRow> atKill;
            int killedExitCode;
            using (var worker = WorkerProcess.Start(ShippingProcess.RunMode, file.Path, context.Pace.Tick))
            {
                await worker.ReadUntilAsync(
                    line =>
                    {
                        first.Record(line);
                        return first.Acknowledged.Count == ShippingPlan.Orders.Count && first.Calls.Count(static c => c.Hung) == ShippingPlan.Workers;
                    },
                    "every order was acknowledged and both workers hung",
                    cancellationToken);

                // Both workers hang and the buffer fills from the file: once the last acknowledgements are committed,
                // nothing in the process moves any more, so the kill meets the same file on every machine.
                var unfinished = ShippingPlan.Orders.Where(o => !first.Finished(o.Number)).Select(static o => o.Number).ToList();
                atKill = await file.ReadQueueWhenAsync(
                    rows => rows.Select(static r => r.Order).SequenceEqual(unfinished) &&
                        rows.Count(static r => r.Leased) == Math.Min(ShippingPlan.MostInFlight, unfinished.Count),
                    "the unfinished orders, as many leased as the queue may hold",
                    cancellationToken);

                console.Heading("The file at the moment of the kill (read through a read-only connection of this process)");
                console.Write(FileTable(atKill, first));
                console.Say($"kill -9 worker process {worker.Id}: no finally block, no dispose, no drain runs in it.");
                worker.Kill();
                await worker.WaitForExitAsync(cancellationToken);
                killedExitCode = worker.ExitCode;

                // Lines written before the kill and still in the pipe.
                while (await worker.ReadLineAsync(cancellationToken) is { } line)
                {
                    first.Record(line);
                }
            }

            var afterKill = file.ReadQueue();
            console.Say($"It exited with code {killedExitCode}. The file still holds {afterKill.Count} orders, {afterKill.Count(static r => r.Leased)} of them marked as taken.");

            console.Say("The worker process is started again on the same file. Opening it hands every taken row out again, flagged.");
            var second = new RunLog(2);
            int restartExitCode;
            using (var worker = WorkerProcess.Start(ShippingProcess.RestartMode, file.Path, context.Pace.Tick))
            {
                await worker.ReadUntilAsync(
                    line =>
                    {
                        second.Record(line);
                        return afterKill.All(r => second.Finished(r.Order));
                    },
                    "every order left in the file was handled",
                    cancellationToken);
                worker.CloseInput();
                await worker.ReadUntilAsync(
                    line =>
                    {
                        second.Record(line);
                        return line.Step == WorkerLine.Stopped;
                    },
                    "the restarted process stopped",
                    cancellationToken);
                await worker.WaitForExitAsync(cancellationToken);
                restartExitCode = worker.ExitCode;
            }

            var result = new DurabilityResult(
                first.Acknowledged,
                first.Calls,
                atKill,
                killedExitCode,
                afterKill,
                second.Calls,
                second.Processed ?? 0,
                restartExitCode,
                file.ReadQueue(),
                file.ReadShipments());

            console.Heading("Every order, across the kill");
            console.Write(StoryTable(result));
            console.Heading("Was anything acknowledged lost?");
            console.Write(Tally(result));
            console.Note("the flag cannot tell a buffered item from one in a handler: the file knows only that the process took it.");
            console.Note("Synchronous = Full (the default) keeps acknowledged items through a power cut too; Normal, through a crash.");

            console.KnowledgeCheck(
                "An in-memory broker has no persistence: a crash loses what it holds, and nothing is guaranteed across failures. What changed here?",
                $"The queue kept its items in a file. Every order was committed before its EnqueueAsync returned and left the file only after " +
                $"its handler finished, so kill -9 lost none of the {result.Acknowledged.Count} acknowledged orders: the restart found the " +
                $"{afterKill.Count} unfinished ones and shipped them. The price is at least once, not exactly once: the {result.Redelivered.Count} " +
                $"orders the dead process had taken came back flagged as redelivered, and order {ShippingPlan.StuckAfterShipping} had in fact " +
                "shipped; the ledger check, keyed by the message id, kept it from shipping twice. This is one process and its disk: to share " +
                "work between machines, or to outlive the disk, use a broker (the RabbitMQ bridge).");
            return result;
        }
        finally
        {
            TryDelete(directory);
        }
    }

    private static Table FileTable(IReadOnlyList<QueueRow> rows, RunLog first)
    {
        var table = Ui.Table("order", "row in eventbus_items", "where it was in the process");
        foreach (var order in ShippingPlan.Orders)
        {
            var row = rows.FirstOrDefault(r => r.Order == order.Number);
            var call = first.Calls.FirstOrDefault(c => c.Order == order.Number);
            table.AddRow(
                Ui.Plain(Ui.Count(order.Number)),
                row is null ? Ui.Good("gone: handled and acknowledged") : row.Leased ? Ui.Warn("leased") : Ui.Plain("waiting"),
                Ui.Plain((row, call) switch
                {
                    (null, _) => "done",
                    (_, { Shipped: true, Hung: true }) => "in a handler: shipped, but the handler has not returned",
                    (_, { Hung: true }) => "in a handler: waiting for the courier",
                    ({ Leased: true }, _) => "in the queue's buffer, waiting for a free worker",
                    _ => "still only in the file",
                }));
        }

        return table;
    }

    private static Table StoryTable(DurabilityResult result)
    {
        var table = Ui.Table("order", "customer", "first run", "after the restart", "parcels");
        foreach (var order in ShippingPlan.Orders)
        {
            var first = result.FirstRun.FirstOrDefault(c => c.Order == order.Number);
            var second = result.SecondRun.FirstOrDefault(c => c.Order == order.Number);
            var parcels = result.Shipments.Count(s => s.Order == order.Number);
            table.AddRow(
                Ui.Plain(Ui.Count(order.Number)),
                Ui.Plain(order.Customer),
                Ui.Plain(first switch
                {
                    null => "not reached",
                    { Finished: true } => "shipped",
                    { Shipped: true } => "shipped; killed before returning",
                    _ => "killed before shipping",
                }),
                Restart(second),
                parcels == 1 ? Ui.Good("1") : Ui.Bad(Ui.Count(parcels)));
        }

        return table;
    }

    private static IRenderable Restart(HandlerCall? call) => call switch
    {
        null => Ui.Plain("-"),
        { Redelivered: true, Skipped: true } => Ui.Warn($"redelivered, id {Ui.ShortId(call.MessageId)} in the ledger: skipped"),
        { Redelivered: true } => Ui.Warn($"redelivered, id {Ui.ShortId(call.MessageId)} not in the ledger: shipped"),
        _ => Ui.Plain("not flagged: shipped"),
    };

    private static Table Tally(DurabilityResult result)
    {
        var duplicates = result.SecondRun.Count(c => result.FirstRun.Any(f => f.Order == c.Order));
        var table = Ui.Table("", "count");
        table.AddPlainRow("enqueues acknowledged before the kill", Ui.Count(result.Acknowledged.Count));
        table.AddRow(Ui.Plain("acknowledged orders never shipped"), result.Lost.Count == 0 ? Ui.Good("0") : Ui.Bad(Ui.Count(result.Lost.Count)));
        table.AddPlainRow("handed out again after the restart", Ui.Count(result.SecondRun.Count));
        table.AddPlainRow(
            $"  flagged redelivered (at most buffer {ShippingPlan.Capacity} + workers {ShippingPlan.Workers} = {ShippingPlan.MostInFlight})",
            Ui.Count(result.Redelivered.Count));
        table.AddPlainRow("  of those, had been in a handler before the kill", Ui.Count(duplicates));
        table.AddPlainRow("  not flagged: had never left the file", Ui.Count(result.Fresh.Count));
        table.AddRow(
            Ui.Plain("parcels shipped"),
            result.ShippedExactlyOnce ? Ui.Good($"{result.Shipments.Count}, one per order") : Ui.Bad(Ui.Count(result.Shipments.Count)));
        table.AddRow(
            Ui.Plain("rows left in the queue after the drain"),
            result.FileAfterDrain.Count == 0 ? Ui.Good("0") : Ui.Bad(Ui.Count(result.FileAfterDrain.Count)));
        return table;
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover file in the temporary folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // The same.
        }
    }
}
