using System.Threading.Channels;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// The baseline of queued 1->1 (N = 1) and fan-out (N channels): one bounded <see cref="Channel{T}"/>
/// per consumer with the options of an EventBus queued subscription, each drained by its own
/// long-lived reader loop (<see cref="ChannelConsumer{T}"/>); the producer writes every event into
/// every channel, awaiting space when one is full.
/// </summary>
public sealed class RawChannelsRow<T> : Row
{
    private readonly ChannelConsumer<T>[] _channels;
    private readonly ChannelWriter<T>[] _writers;
    private readonly T _event;

    public RawChannelsRow(string scenario, string name, int channels, int capacity, T e)
        : base(scenario, name, isBaseline: true, consumers: channels, fanOut: channels)
    {
        _event = e;
        _channels = new ChannelConsumer<T>[channels];
        _writers = new ChannelWriter<T>[channels];
        for (var i = 0; i < channels; i++)
        {
            _channels[i] = new ChannelConsumer<T>(capacity, Consumers[i].Handler<T>());
            _writers[i] = _channels[i].Writer;
        }
    }

    protected override async Task ProduceAsync(int events)
    {
        var writers = _writers;
        var e = _event;
        for (var i = 0; i < events; i++)
        {
            foreach (var writer in writers)
            {
                if (!writer.TryWrite(e))
                {
                    await writer.WriteAsync(e);
                }
            }
        }
    }

    protected override void StopConsumers()
    {
        foreach (var channel in _channels)
        {
            channel.Stop();
        }
    }
}
