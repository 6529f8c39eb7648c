using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// Counts deliveries on consumer threads and lets the benchmark thread wait until a batch has
/// been handled in full. Reusable across invocations and allocation-free: the consumers only
/// increment a counter, and the last one of a batch sets an event the benchmark waits on.
/// </summary>
public sealed class Completion : IDisposable
{
    private readonly ManualResetEventSlim _done = new(initialState: false, spinCount: 1);
    private PaddedCounter _counter;
    private long _expected = long.MaxValue;

    /// <summary>Keeps each consumer's counter on its own cache line, so N consumers never share one.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }

    /// <summary>Deliveries counted since the last <see cref="Arm"/>.</summary>
    public long Count => Volatile.Read(ref _counter.Value);

    /// <summary>Arms the counter for a batch of <paramref name="deliveries"/>; call before publishing it.</summary>
    public void Arm(long deliveries)
    {
        _done.Reset();
        Volatile.Write(ref _counter.Value, 0);
        Volatile.Write(ref _expected, deliveries);
    }

    /// <summary>Called once per delivery, by any consumer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void OnHandled()
    {
        if (Interlocked.Increment(ref _counter.Value) == Volatile.Read(ref _expected))
        {
            _done.Set();
        }
    }

    /// <summary>Called once per delivery by the only consumer of a batch: a plain store is enough.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void OnHandledSingleConsumer()
    {
        var handled = _counter.Value + 1;
        Volatile.Write(ref _counter.Value, handled);
        if (handled == _expected)
        {
            _done.Set();
        }
    }

    /// <summary>Blocks until the armed batch has been handled (a minute at most: a hang is a bug, not a result).</summary>
    public void Wait()
    {
        if (!_done.Wait(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"Only {Volatile.Read(ref _counter.Value)} of {_expected} deliveries arrived.");
        }
    }

    public void Dispose() => _done.Dispose();
}
