using System.Runtime.CompilerServices;

namespace EventBus.Internal;

/// <summary>An exact counter that many threads add to without a locked instruction: each thread adds to its own cell
/// (picked by <see cref="ThreadIndex"/>), and a read sums the cells. An interlocked add costs more than a whole inline
/// delivery; a plain add to a cell with a single writer loses nothing.</summary>
/// <remarks><para>Cells live in fixed-size chunks that never move; growing replaces the table of chunk references
/// (copy, then compare-and-swap), so an add that races a grow is never lost. Each cell has a 64-byte line to itself,
/// and a chunk's first line holds none (it would share the array header), so threads do not falsely share. Nothing is
/// allocated before the first add.</para>
/// <para>A read is exact once the adds it should see happened-before it (a joined thread, a drain); under concurrent
/// adds it returns some value in between, never a torn one.</para>
/// <para>A mutable struct, to save the hot path a dereference: keep it in a non-readonly field and never copy it.</para></remarks>
internal struct StripedCounter
{
    /// <summary>Cells per chunk: threads 0-3 share the first chunk, 4-7 the second, and so on.</summary>
    private const int ChunkShift = 2;
    private const int CellsPerChunk = 1 << ChunkShift;

    /// <summary>Longs per cell: one 64-byte cache line.</summary>
    private const int Stride = 8;

    /// <summary>One padding line, then one line per cell.</summary>
    private const int ChunkLength = (CellsPerChunk + 1) * Stride;

    private long[]?[]? _chunks;

    /// <summary>Adds one for the thread numbered <paramref name="threadIndex"/> (<see cref="ThreadIndex.Current"/>),
    /// which must be the calling thread's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Increment(int threadIndex) => Add(threadIndex, 1);

    /// <summary>Adds one for the calling thread.</summary>
    internal void Increment() => Add(ThreadIndex.Current, 1);

    /// <summary>Adds <paramref name="value"/> for the thread numbered <paramref name="threadIndex"/>, which must be the
    /// calling thread's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(int threadIndex, long value)
    {
        var chunks = _chunks;
        var chunkIndex = threadIndex >> ChunkShift;
        if (chunks is not null && (uint)chunkIndex < (uint)chunks.Length && chunks[chunkIndex] is { } chunk)
        {
            ref var cell = ref chunk[CellOffset(threadIndex)];

            // Single writer: a plain read-modify-write is enough. The volatile store keeps the
            // write whole on 32-bit platforms; on x64 it is a plain store.
            Volatile.Write(ref cell, cell + value);
            return;
        }

        AddToNewChunk(threadIndex, value);
    }

    /// <summary>The sum of every cell.</summary>
    internal long Sum()
    {
        var chunks = Volatile.Read(ref _chunks);
        if (chunks is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var chunk in chunks)
        {
            if (chunk is null)
            {
                continue;
            }

            for (var cell = 1; cell <= CellsPerChunk; cell++)
            {
                total += Volatile.Read(ref chunk[cell * Stride]);
            }
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CellOffset(int threadIndex) => ((threadIndex & (CellsPerChunk - 1)) + 1) * Stride;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddToNewChunk(int threadIndex, long value)
    {
        var chunk = GetOrCreateChunk(threadIndex >> ChunkShift);
        ref var cell = ref chunk[CellOffset(threadIndex)];
        Volatile.Write(ref cell, cell + value);
    }

    private long[] GetOrCreateChunk(int chunkIndex)
    {
        while (true)
        {
            var chunks = Volatile.Read(ref _chunks);
            if (chunks is not null && chunkIndex < chunks.Length && chunks[chunkIndex] is { } existing)
            {
                return existing;
            }

            // Tables are never changed once published, only replaced: a thread that installed its chunk
            // into a table another thread was copying at the same moment would otherwise be lost.
            var grown = new long[]?[Math.Max(chunkIndex + 1, chunks?.Length ?? 0)];
            chunks?.CopyTo(grown, 0);
            var created = new long[ChunkLength];
            grown[chunkIndex] = created;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _chunks, grown, chunks), chunks))
            {
                return created;
            }
        }
    }
}
