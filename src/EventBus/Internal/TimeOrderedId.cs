using System.Security.Cryptography;

namespace EventBus.Internal;

/// <summary>Makes event ids in the UUID version 7 layout (RFC 9562): a 48-bit Unix timestamp in milliseconds, the
/// version and variant bits, then 74 bits that tell ids of the same millisecond apart.</summary>
/// <remarks><para>Not <c>Guid.CreateVersion7</c>: it asks the operating system for random bits on every call (about 1.5
/// us per id measured here), and every publish to a handler that takes an <see cref="EventContext"/> makes an id. Ids
/// must be unique, not secret, so the bits come from a per-thread SplitMix64 seeded once.</para>
/// <para>SplitMix64 steps a 64-bit counter by an odd constant (all 2^64 values before it repeats) through a bijective
/// mix, and all 64 bits of an output go into the id: one thread repeats no id within 2^63 ids. Threads start from
/// independent random seeds, so two threads' ids collide only by chance.</para></remarks>
internal static class TimeOrderedId
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    /// <summary>This thread's counter; 0 means "not seeded yet" (see <see cref="Seed"/>).</summary>
    [ThreadStatic]
    private static ulong s_state;

    /// <summary>A new id whose timestamp is <paramref name="timestamp"/> (clamped to the 48 bits the layout has: times
    /// before 1970 count as 1970).</summary>
    internal static Guid Next(DateTimeOffset timestamp)
    {
        var milliseconds = (ulong)Math.Max(0, timestamp.ToUnixTimeMilliseconds()) & 0xFFFF_FFFF_FFFF;
        var state = s_state;
        if (state == 0)
        {
            state = Seed();
        }

        state += Gamma;
        var unique = Mix(state);
        state += Gamma;
        var extra = Mix(state);
        s_state = state;

        // unique: 12 bits rand_a, 6 bits next to the variant, 46 bits in the last six bytes and a half;
        // extra: the remaining 10 bits of the last eight bytes.
        var tail = (unique >> 18 << 10) | (extra & 0x3FF);
        return new Guid(
            (int)(milliseconds >> 16),
            (short)milliseconds,
            (short)(0x7000 | (int)(unique & 0x0FFF)),
            (byte)(0x80 | (int)((unique >> 12) & 0x3F)),
            (byte)(tail >> 48),
            (byte)(tail >> 40),
            (byte)(tail >> 32),
            (byte)(tail >> 24),
            (byte)(tail >> 16),
            (byte)(tail >> 8),
            (byte)tail);
    }

    /// <summary>SplitMix64's output function (Steele, Lea and Flood): a bijection on 64 bits.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Seeds this thread's counter from the operating system, once per thread.</summary>
    private static ulong Seed()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        ulong seed;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            seed = BitConverter.ToUInt64(bytes);
        }
        while (seed == 0);

        return seed;
    }
}
