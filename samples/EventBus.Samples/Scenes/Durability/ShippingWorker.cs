using System.Globalization;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// The durable queue's handler class, in the worker process: hands one order's parcel to the courier. When the queue
/// says the item is redelivered (the process that had it died), it first asks the ledger whether the parcel already
/// left, keyed by the item's message id; a fresh item needs no check.
/// </summary>
internal sealed class ShippingWorker(ShipmentLedger ledger, WorkerRun run) : IWorkItemHandler<ShipOrder>
{
    public async ValueTask HandleAsync(ShipOrder item, EventContext context, CancellationToken cancellationToken)
    {
        var order = item.Number;
        run.Report(WorkerLine.Started, order, string.Create(CultureInfo.InvariantCulture,
            $"{context.Id:D} {context.DeliveryAttempt} {(context.Redelivered ? 1 : 0)}"));

        if (run.Hangs && order == ShippingPlan.StuckBeforeShipping)
        {
            await HangAsync(order, cancellationToken);
        }

        if (context.Redelivered && ledger.HasShipped(context.Id))
        {
            run.Report(WorkerLine.Skipped, order);
        }
        else
        {
            // The call to the courier.
            await Task.Delay(run.Tick, cancellationToken);
            ledger.Record(context.Id, order, run.Number);
            run.Report(WorkerLine.Shipped, order);
        }

        if (run.Hangs && order == ShippingPlan.StuckAfterShipping)
        {
            await HangAsync(order, cancellationToken);
        }

        run.Report(WorkerLine.Done, order);
    }

    /// <summary>A call that never answers: the worker waits until the process is killed.</summary>
    private async Task HangAsync(int order, CancellationToken cancellationToken)
    {
        run.Report(WorkerLine.Stuck, order);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
