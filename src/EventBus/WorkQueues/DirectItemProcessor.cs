using EventBus.Internal;

namespace EventBus.WorkQueues;

/// <summary>
/// The default mode: every worker reads the queue's channel directly, so hand-out is FIFO and each item
/// is read by exactly one worker.
/// </summary>
/// <remarks>
/// A due retry goes back into the same channel, behind what is buffered (and behind producers already
/// waiting for space); order between items is not kept in this mode anyway. If the channel is full the
/// retry becomes a pending write, which the channel queues in order with blocked producers, so
/// re-injecting never blocks the timer thread. Under a drop mode a retry re-enters like a new item and
/// may be dropped per the mode (counted and reported).
/// </remarks>
internal sealed class DirectItemProcessor<T>(WorkQueue<T> queue, Delivery.HandlerInvoker<T> invoker) : ItemProcessor<T>(queue, invoker)
{
    internal override string ModeName => "direct";

    internal override int Buffered => 0;

    protected override async Task RunWorkerAsync(QueueWorker<T> worker)
    {
        HandlerScope.Enter(worker);
        var reader = Queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                var handled = HandleAsync(worker, item);
                if (handled.IsCompletedSuccessfully)
                {
                    _ = handled.Result;
                }
                else
                {
                    await handled.ConfigureAwait(false);
                }
            }
        }
    }

    protected override void Reinject(in WorkItem<T> item, Batch<T>? batch) => Queue.Reinject(item);

    protected override void HaltBuffered()
    {
        // Nothing outside the channel, which the queue empties itself.
    }
}
