using System.Threading.Channels;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// The raw-channel baseline: a bounded channel with the options an EventBus queued subscription
/// uses, drained by the same loop shape (WaitToReadAsync, then TryRead until empty, calling the
/// handler through a delegate), on a long-lived thread-pool loop.
/// </summary>
public sealed class ChannelConsumer<T>
{
    private readonly Channel<T> _channel;
    private readonly Task _loop;

    public ChannelConsumer(int capacity, Action<T> handler)
    {
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _loop = Task.Run(() => DrainAsync(_channel.Reader, handler));
    }

    public ChannelWriter<T> Writer => _channel.Writer;

    public void Stop()
    {
        _channel.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
    }

    private static async Task DrainAsync(ChannelReader<T> reader, Action<T> handler)
    {
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                handler(item);
            }
        }
    }
}
