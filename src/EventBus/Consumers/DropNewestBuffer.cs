using System.Threading.Channels;

namespace EventBus.Consumers;

/// <summary>
/// The buffer under <see cref="BufferFullMode.DropNewest"/>: a write into a full buffer takes back the newest
/// item already buffered. Removing from the tail is what a lock-free ring cannot do alongside its readers,
/// so writes go one at a time under a lock into a bounded channel that does the replacing; reads stay lock-free.
/// </summary>
internal sealed class DropNewestBuffer<T> : ConsumerBuffer<T>
{
    private readonly Consumer<T> _owner;
    private readonly Channel<WorkItem<T>> _channel;
    private readonly Lock _gate = new();
    private long _written;
    private bool _closed;
    private bool _halted;
    private WorkItem<T> _replaced;
    private bool _hasReplaced;

    internal DropNewestBuffer(Consumer<T> owner, int capacity)
    {
        _owner = owner;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropNewest,
            AllowSynchronousContinuations = false,
        };

        // Called inside the write, under the lock: the report waits until the lock is let go.
        _channel = Channel.CreateBounded<WorkItem<T>>(options, item =>
        {
            _replaced = item;
            _hasReplaced = true;
        });
    }

    /// <inheritdoc />
    internal override int Count => _channel.Reader.Count;

    /// <inheritdoc />
    internal override long Written => Volatile.Read(ref _written);

    /// <inheritdoc />
    internal override WriteResult TryWrite(in WorkItem<T> item, bool overflow = false) => Write(item, putBack: false);

    /// <inheritdoc />
    internal override WriteResult TryPutBack(in WorkItem<T> item) => Write(item, putBack: true);

    /// <inheritdoc />
    internal override bool TryRead(out WorkItem<T> item) => _channel.Reader.TryRead(out item);

    /// <inheritdoc />
    internal override ValueTask<bool> WaitToReadAsync(int reader, CancellationToken cancellationToken = default) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    internal override ValueTask WaitForSpaceAsync(bool untilHalt, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    internal override void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    /// <inheritdoc />
    internal override void Halt()
    {
        lock (_gate)
        {
            _closed = true;
            _halted = true;
        }
    }

    /// <inheritdoc />
    internal override bool TryTakeAtHalt(out WorkItem<T> item) => _channel.Reader.TryRead(out item);

    /// <inheritdoc />
    internal override void Complete() => _channel.Writer.TryComplete();

    private WriteResult Write(in WorkItem<T> item, bool putBack)
    {
        WorkItem<T> replaced;
        lock (_gate)
        {
            if (_halted || (_closed && !putBack))
            {
                return WriteResult.Closed;
            }

            Volatile.Write(ref _written, _written + 1);
            _channel.Writer.TryWrite(item);
            if (!_hasReplaced)
            {
                return WriteResult.Accepted;
            }

            replaced = _replaced;
            _replaced = default;
            _hasReplaced = false;
        }

        _owner.Lose(replaced, DropReason.DroppedNewest);
        return WriteResult.Accepted;
    }
}
