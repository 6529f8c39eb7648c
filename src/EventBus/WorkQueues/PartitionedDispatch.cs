using System.Runtime.InteropServices;
using System.Threading.Channels;
using EventBus.Consumers;
using EventBus.Internal;

namespace EventBus.WorkQueues;

/// <summary>
/// Partitioned mode: items with the same key run one at a time in enqueue order; different keys run in
/// parallel.
/// </summary>
/// <remarks>
/// <para><b>Why per-key queues rather than hashing keys onto per-worker lanes (the Kafka layout).</b>
/// With lanes, an item waiting for its retry backoff blocks every other key that hashes to its lane,
/// and one hot key keeps its lane busy while other workers idle. Here a single pump reads the queue's
/// channel and tracks the keys that are active (an item of the key is running, ready to run, or waiting
/// for a retry). An item of an idle key goes to the shared ready channel, where any free worker takes
/// it; an item of an active key is parked in that key's queue. When a key's item is finished the same
/// worker takes the key's next parked item (a hand-off, so the key's order holds); when the item is
/// waiting for a retry the key simply stays active, so no later item of the key can overtake it, and
/// only that key waits.</para>
/// <para>The pump stops reading the channel while <see cref="WorkQueue{T}.Capacity"/> items are parked or
/// ready, so memory stays bounded and producers feel backpressure; with many items of one stuck key
/// that can hold up other keys behind it in the channel (a bounded look-ahead, like any partitioned log).</para>
/// <para>Keys are reduced to their hash code: keys that collide share one order, which is never wrong,
/// only less parallel. Costs: one lock to route an item and one to finish it, no allocation per item in
/// steady state (the dictionary reuses its entries, parked queues are pooled).</para>
/// <para>The engine does the rest: each attempt (<see cref="Consumer{T}.HandleAsync"/>), scheduled retries
/// (which come back through <see cref="Reinject"/>), counting and the lifecycle.</para>
/// </remarks>
internal sealed class PartitionedDispatch<T> : WorkDispatch<T>
{
    private const int MaxPooledQueues = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Queue<WorkItem<T>>?> _active = [];
    private readonly Stack<Queue<WorkItem<T>>> _pool = new();
    private readonly Channel<WorkItem<T>> _ready = Channel.CreateUnbounded<WorkItem<T>>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly int _limit;
    private int _pumped;
    private bool _halted;
    private TaskCompletionSource? _room;

    internal PartitionedDispatch(int capacity) => _limit = capacity;

    internal override string ModeName => "partitioned";

    internal override int Held => Math.Max(0, Volatile.Read(ref _pumped));

    internal override void Start() => _ = HandlerScope.StartLoop(static dispatch => dispatch.RunPumpAsync(), this);

    internal override void Complete() => _ready.Writer.TryComplete();

    /// <summary>True when nothing is ready and every parked item waits behind a key held by a handler that
    /// waits inside a stop call.</summary>
    internal override bool OnlyWaitsForInsideWaiters()
    {
        if (_ready.Reader.Count > 0)
        {
            return false;
        }

        lock (_gate)
        {
            foreach (var (partition, parked) in _active)
            {
                if (parked is { Count: > 0 } && !HeldByInsideWaiter(partition))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private bool HeldByInsideWaiter(int partition)
    {
        foreach (var worker in Consumer.Workers)
        {
            if (Volatile.Read(ref worker.WaitingInside) > 0 && worker.Current.Partition == partition)
            {
                return true;
            }
        }

        return false;
    }

    private async Task RunPumpAsync()
    {
        var buffer = Consumer.Buffer;
        try
        {
            while (await buffer.WaitToReadAsync(0).ConfigureAwait(false))
            {
                while (buffer.TryRead(out var item))
                {
                    Route(item);
                    if (Volatile.Read(ref _pumped) >= _limit)
                    {
                        await WaitForRoomAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            _ready.Writer.TryComplete();
        }
    }

    internal override async Task RunWorkerAsync(ConsumerWorker<T> worker)
    {
        HandlerScope.Enter(worker);
        var loopContext = ExecutionContext.Capture();
        var reader = _ready.Reader;
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                var next = item;
                while (true)
                {
                    if (next.Failure is null)
                    {
                        // A first attempt came from the pump (ready or parked); a retry did not.
                        LeftBuffer();
                    }

                    var handled = Consumer.HandleAsync(worker, next);
                    var finished = handled.IsCompletedSuccessfully ? handled.Result : await handled.ConfigureAwait(false);
                    Consumer<T>.RestoreContext(loopContext);
                    if (!finished || !TryHandOff(next.Partition, out next))
                    {
                        break;
                    }
                }
            }

            Consumer.Park(worker, parked: true);
            var more = await reader.WaitToReadAsync().ConfigureAwait(false);
            Consumer.Park(worker, parked: false);
            if (!more)
            {
                return;
            }
        }
    }

    internal override void Reinject(WorkItem<T> item, Batch<T>? batch)
    {
        // The key is still active, so the retry goes straight to the workers, ahead of the key's parked items.
        if (!_ready.Writer.TryWrite(item))
        {
            Consumer.Lose(item, DropReason.Abandoned);
        }
    }

    internal override void Halt(DropReason reason)
    {
        List<WorkItem<T>> parked = [];
        lock (_gate)
        {
            _halted = true;
            foreach (var queue in _active.Values)
            {
                while (queue is not null && queue.TryDequeue(out var item))
                {
                    parked.Add(item);
                }
            }
        }

        foreach (var item in parked)
        {
            Consumer.Lose(item, reason);
        }

        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out var item))
        {
            Consumer.Lose(item, item.Failure is null ? reason : DropReason.Abandoned);
        }

        Volatile.Read(ref _room)?.TrySetResult();
    }

    private void Route(in WorkItem<T> item)
    {
        bool halted;
        var runNow = false;
        lock (_gate)
        {
            halted = _halted;
            if (!halted)
            {
                ref var parked = ref CollectionsMarshal.GetValueRefOrAddDefault(_active, item.Partition, out var active);
                if (active)
                {
                    (parked ??= RentQueue()).Enqueue(item);
                }
                else
                {
                    runNow = true;
                }
            }
        }

        if (halted)
        {
            Consumer.Lose(item, Consumer.Lifecycle.HaltReason);
            return;
        }

        Interlocked.Increment(ref _pumped);
        if (runNow && !_ready.Writer.TryWrite(item))
        {
            // Halted between the lock and the write: the ready channel no longer takes items.
            Interlocked.Decrement(ref _pumped);
            Consumer.Lose(item, Consumer.Lifecycle.HaltReason);
        }
    }

    private bool TryHandOff(int partition, out WorkItem<T> next)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(partition, out var parked) && parked is not null && parked.TryDequeue(out next))
            {
                // The key stays active, now held by its next item.
                return true;
            }

            _active.Remove(partition);
            if (parked is not null && _pool.Count < MaxPooledQueues)
            {
                _pool.Push(parked);
            }
        }

        next = default;
        return false;
    }

    private Queue<WorkItem<T>> RentQueue() => _pool.TryPop(out var queue) ? queue : new Queue<WorkItem<T>>();

    private void LeftBuffer()
    {
        if (Interlocked.Decrement(ref _pumped) < _limit)
        {
            Volatile.Read(ref _room)?.TrySetResult();
        }
    }

    private async Task WaitForRoomAsync()
    {
        while (Volatile.Read(ref _pumped) >= _limit && !Consumer.IsHalted)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _room, room);
            if (Volatile.Read(ref _pumped) < _limit || Consumer.IsHalted)
            {
                break;
            }

            await room.Task.ConfigureAwait(false);
        }
    }
}
