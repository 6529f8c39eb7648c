using System.Threading.Channels;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// The baseline of the work queue: one bounded multi-reader <see cref="Channel{T}"/> drained by K
/// long-lived reader loops, each item handled by whichever reader takes it.
/// </summary>
public sealed class RawWorkQueueRow : Row
{
    private readonly Channel<ClassEvent> _channel;
    private readonly Task[] _readers;
    private readonly ClassEvent _item;

    public RawWorkQueueRow(string scenario, string name, int readers, int capacity, ClassEvent item)
        : base(scenario, name, isBaseline: true, consumers: 1)
    {
        _item = item;
        _channel = Channel.CreateBounded<ClassEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _readers = new Task[readers];
        for (var i = 0; i < readers; i++)
        {
            _readers[i] = Task.Run(() => ReadAsync(_channel.Reader, Consumers[0]));
        }
    }

    protected override async Task ProduceAsync(int events)
    {
        var writer = _channel.Writer;
        var e = _item;
        for (var i = 0; i < events; i++)
        {
            if (!writer.TryWrite(e))
            {
                await writer.WriteAsync(e);
            }
        }
    }

    protected override void StopConsumers()
    {
        _channel.Writer.TryComplete();
        Task.WaitAll(_readers);
    }

    private static async Task ReadAsync(ChannelReader<ClassEvent> reader, CountingConsumer consumer)
    {
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                consumer.HandleCompeting(item);
            }
        }
    }
}
