using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EventBus.Benchmarks.RoundRobin;

/// <summary>
/// Records the machine's state before a round: two threads hand a flag back and forth by spinning
/// on one shared cache line for a fixed time, and the probe reports nanoseconds per round trip.
/// On this VM the figure flips between about 80 ns and about 355 ns from one round to the next,
/// and every cross-thread row slows with it; a core held by another thread or process for the whole
/// probe shows up as a much larger figure. The echo thread is created once and parks between probes.
/// </summary>
public sealed class PingPongProbe : IDisposable
{
    /// <summary>The probe's window is cut into this many slices; the figure is their median.</summary>
    public const int Slices = 9;

    private const int Idle = 0, Ping = 1, Stop = 2;

    private readonly Thread _echo;
    private readonly SemaphoreSlim _start = new(0);
    private readonly SemaphoreSlim _finished = new(0);
    private Flag _flag;
    private volatile bool _disposed;

    public PingPongProbe()
    {
        _echo = new Thread(Echo) { IsBackground = true, Name = "ping-pong probe echo" };
        _echo.Start();
    }

    /// <summary>Keeps the flag on a cache line of its own, so the probe measures one line moving between two cores.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Flag
    {
        [FieldOffset(64)]
        public int Value;
    }

    /// <summary>
    /// Ping-pongs for about <paramref name="window"/>, in <see cref="Slices"/> equal slices, and returns the
    /// median over the slices of the mean nanoseconds per round trip: a core lent to another process for
    /// part of one slice does not decide the figure, a state that lasts through the probe does.
    /// </summary>
    public double Measure(TimeSpan window)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _start.Release();

        // The first round trip waits for the echo thread to wake up: it is not timed.
        RoundTrip();
        var slice = (long)(window.TotalSeconds * Stopwatch.Frequency / Slices);
        var perSlice = new double[Slices];
        for (var s = 0; s < Slices; s++)
        {
            var started = Stopwatch.GetTimestamp();
            long trips = 0, elapsed;
            do
            {
                for (var i = 0; i < 16; i++)
                {
                    RoundTrip();
                }

                trips += 16;
                elapsed = Stopwatch.GetTimestamp() - started;
            }
            while (elapsed < slice);
            perSlice[s] = elapsed * (1e9 / Stopwatch.Frequency) / trips;
        }

        Volatile.Write(ref _flag.Value, Stop);
        if (!_finished.Wait(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException("The ping-pong probe's echo thread did not stop.");
        }

        Array.Sort(perSlice);
        return Infrastructure.Distribution.Quantile(perSlice, 0.5);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _start.Release();
        _echo.Join();
        _start.Dispose();
        _finished.Dispose();
    }

    private void RoundTrip()
    {
        Volatile.Write(ref _flag.Value, Ping);
        while (Volatile.Read(ref _flag.Value) != Idle)
        {
        }
    }

    private void Echo()
    {
        while (true)
        {
            _start.Wait();
            if (_disposed)
            {
                return;
            }

            while (true)
            {
                var value = Volatile.Read(ref _flag.Value);
                if (value == Ping)
                {
                    Volatile.Write(ref _flag.Value, Idle);
                }
                else if (value == Stop)
                {
                    Volatile.Write(ref _flag.Value, Idle);
                    break;
                }
            }

            _finished.Release();
        }
    }
}
