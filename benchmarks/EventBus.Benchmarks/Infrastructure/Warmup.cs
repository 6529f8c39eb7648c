using System.Diagnostics;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// Warm-up long enough for tiered compilation: a method is recompiled optimised only after its
/// calls have been counted and no new tier-0 code has run for a while (100 ms by default), so a
/// fixed number of short warm-up passes can leave the measured code unoptimised.
/// </summary>
public static class Warmup
{
    public static readonly TimeSpan DefaultMinimum = TimeSpan.FromSeconds(3);

    /// <summary>Calls <paramref name="pass"/> (with its index) at least <paramref name="passes"/> times and until <paramref name="minimum"/> has passed; returns the passes made.</summary>
    public static int Run(int passes, TimeSpan minimum, Action<int> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var clock = Stopwatch.StartNew();
        var done = 0;
        while (done < passes || clock.Elapsed < minimum)
        {
            pass(done++);
        }

        return done;
    }
}
