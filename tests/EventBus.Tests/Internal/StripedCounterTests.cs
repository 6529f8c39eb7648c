using EventBus.Internal;

namespace EventBus.Tests.Internal;

public sealed class StripedCounterTests
{
    [Fact]
    public void A_new_counter_reads_zero()
    {
        var holder = new Holder();

        holder.Counter.Sum().Should().Be(0);
    }

    [Fact]
    public void Adds_from_one_thread_are_summed()
    {
        var holder = new Holder();

        for (var i = 0; i < 1000; i++)
        {
            holder.Counter.Increment();
        }

        holder.Counter.Add(ThreadIndex.Current, 500);
        holder.Counter.Sum().Should().Be(1500);
    }

    [Fact]
    public void Totals_are_exact_with_many_threads_adding_at_once_while_the_cells_grow()
    {
        // More threads than one chunk holds, all starting together, so chunks are created and the
        // table grows while other threads are already counting.
        const int Threads = 24;
        const int PerThread = 200_000;
        var holder = new Holder();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            var index = ThreadIndex.Current;
            for (var i = 0; i < PerThread; i++)
            {
                holder.Counter.Increment(index);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        holder.Counter.Sum().Should().Be((long)Threads * PerThread);
    }

    [Fact]
    public void Totals_stay_exact_when_ended_threads_hand_their_numbers_to_new_ones()
    {
        const int Waves = 5;
        const int Threads = 6;
        const int PerThread = 10_000;
        var holder = new Holder();
        for (var wave = 0; wave < Waves; wave++)
        {
            var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    holder.Counter.Increment();
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            // Let the ended threads' numbers go back to the pool, so the next wave reuses them.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        holder.Counter.Sum().Should().Be((long)Waves * Threads * PerThread);
    }

    [Fact]
    public void Live_threads_have_different_numbers()
    {
        const int Threads = 16;
        var indexes = new int[Threads];
        using var together = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            indexes[t] = ThreadIndex.Current;
            together.SignalAndWait();
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        indexes.Should().OnlyHaveUniqueItems();
        indexes.Should().OnlyContain(i => i >= 0);
    }

    [Fact]
    public void A_threads_number_does_not_change()
    {
        var first = ThreadIndex.Current;

        ThreadIndex.Current.Should().Be(first);
    }

    /// <summary>The counter is a mutable struct: it must live in a field, as it does in the subscriptions.</summary>
    private sealed class Holder
    {
        public StripedCounter Counter;
    }
}
