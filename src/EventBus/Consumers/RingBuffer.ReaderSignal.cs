using System.Threading.Tasks.Sources;

namespace EventBus.Consumers;

/// <summary>The ring's parking places, one per reader (see the remarks of <see cref="RingBuffer{T}"/>).</summary>
internal sealed partial class RingBuffer<T>
{
    /// <summary>One reader's parking place. A wake-up queues the signal itself to the thread pool (it is the work
    /// item, so a wake-up allocates nothing) and completes it there: the reader's loop never runs on a writer's
    /// stack, nor inside a <see cref="CancellationTokenSource.Cancel()"/>.</summary>
    private sealed class ReaderSignal(RingBuffer<T> ring) : IValueTaskSource<bool>, IThreadPoolWorkItem
    {
        private const int Idle = 0;
        private const int Armed = 1;
        private const int Woken = 2;

        private ManualResetValueTaskSourceCore<bool> _core;
        private CancellationTokenRegistration _cancellation;
        private CancellationToken _canceledBy;
        private int _state;

        internal ValueTask<bool> Task => new(this, _core.Version);

        internal void Arm()
        {
            _core.Reset();
            _canceledBy = default;
            Volatile.Write(ref _state, Armed);
        }

        internal bool TryDisarm() => Interlocked.CompareExchange(ref _state, Idle, Armed) == Armed;

        internal bool TryWake()
        {
            if (Interlocked.CompareExchange(ref _state, Woken, Armed) != Armed)
            {
                return false;
            }

            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return true;
        }

        internal void WatchCancellation(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ReaderSignal)state!).Cancel(token), this);
            }
        }

        /// <summary>Completes the wait, on a thread-pool thread: the reader's continuation runs here.</summary>
        void IThreadPoolWorkItem.Execute()
        {
            if (_canceledBy.IsCancellationRequested)
            {
                _core.SetException(new OperationCanceledException(_canceledBy));
            }
            else
            {
                _core.SetResult(true);
            }
        }

        public bool GetResult(short token)
        {
            _cancellation.Dispose();
            _cancellation = default;
            Volatile.Write(ref _state, Idle);
            _core.GetResult(token);
            return ring.HasClaimed() || !ring._completed;
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Cancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Woken, Armed) == Armed)
            {
                Interlocked.Decrement(ref ring._parked);
                _canceledBy = token;
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }
    }
}
