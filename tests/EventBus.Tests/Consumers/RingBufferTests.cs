using EventBus.Consumers;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Consumers;

/// <summary>The engine's ring on its own: limits, marks, waiting and waking.</summary>
public sealed class RingBufferTests
{
    [Fact]
    public void Writes_fill_the_capacity_then_the_overflow_allowance_and_read_back_in_order()
    {
        var ring = new RingBuffer<int>(capacity: 3, overflowCapacity: 2, readers: 1);

        var below = Enumerable.Range(0, 3).Select(i => ring.TryWrite(Item(i))).ToList();
        var fullAtCapacity = ring.TryWrite(Item(3));
        var overflowing = Enumerable.Range(3, 2).Select(i => ring.TryWrite(Item(i), overflow: true)).ToList();
        var fullAtOverflow = ring.TryWrite(Item(5), overflow: true);

        below.Should().AllBeEquivalentTo(WriteResult.Accepted);
        fullAtCapacity.Should().Be(WriteResult.Full);
        overflowing.Should().AllBeEquivalentTo(WriteResult.Accepted);
        fullAtOverflow.Should().Be(WriteResult.Full);
        ring.Count.Should().Be(5);
        ring.Written.Should().Be(5);
        ReadAll(ring).Should().Equal(0, 1, 2, 3, 4);
        ring.Count.Should().Be(0);
    }

    [Fact]
    public void Positions_wrap_around_many_laps_and_across_chunks_without_losing_order()
    {
        // 100 + 28 slots: two chunks, so every lap crosses a chunk boundary.
        var ring = new RingBuffer<int>(capacity: 100, overflowCapacity: 28, readers: 1);
        var next = 0;
        var expected = 0;
        var random = new Random(7);
        for (var round = 0; round < 400; round++)
        {
            for (var i = random.Next(1, 128); i > 0 && ring.TryWrite(Item(next), overflow: true) == WriteResult.Accepted; i--)
            {
                next++;
            }

            for (var i = random.Next(1, 128); i > 0 && ring.TryRead(out var item); i--)
            {
                item.Item.Should().Be(expected++);
            }
        }

        ReadAll(ring).Should().Equal(Enumerable.Range(expected, next - expected));
        ring.Written.Should().Be(next);
        next.Should().BeGreaterThan(128 * 50, "the test must go round the ring many times");
    }

    [Fact]
    public void Close_refuses_writes_but_lets_retries_back_in_and_keeps_what_was_written_readable()
    {
        var ring = new RingBuffer<int>(capacity: 2, overflowCapacity: 0, readers: 1);
        ring.TryWrite(Item(1));

        ring.Close();

        ring.TryWrite(Item(2)).Should().Be(WriteResult.Closed);
        ring.TryWrite(Item(2), overflow: true).Should().Be(WriteResult.Closed);
        ring.TryPutBack(Item(3)).Should().Be(WriteResult.Accepted);
        ring.TryPutBack(Item(4)).Should().Be(WriteResult.Full, "a put-back still respects the ring's limit");
        ring.Written.Should().Be(2);
        ReadAll(ring).Should().Equal(1, 3);
    }

    [Fact]
    public void Halt_refuses_put_backs_too_and_hands_over_what_is_left()
    {
        var ring = new RingBuffer<int>(capacity: 4, overflowCapacity: 0, readers: 1);
        ring.TryWrite(Item(1));
        ring.TryWrite(Item(2));

        ring.Halt();

        ring.TryPutBack(Item(3)).Should().Be(WriteResult.Closed);
        var taken = new List<int>();
        while (ring.TryTakeAtHalt(out var item))
        {
            taken.Add(item.Item);
        }

        taken.Should().Equal(1, 2);
        ring.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_parked_reader_wakes_for_the_next_write()
    {
        var ring = new RingBuffer<int>(capacity: 4, overflowCapacity: 0, readers: 1);

        var waiting = ring.WaitToReadAsync(0).AsTask();
        ring.TryWrite(Item(9));

        (await Wait.For(waiting, "the reader to wake")).Should().BeTrue();
        ring.TryRead(out var item).Should().BeTrue();
        item.Item.Should().Be(9);
    }

    [Fact]
    public async Task Complete_wakes_every_parked_reader_with_the_end()
    {
        var ring = new RingBuffer<int>(capacity: 4, overflowCapacity: 0, readers: 3);

        var waiting = Enumerable.Range(0, 3).Select(i => ring.WaitToReadAsync(i).AsTask()).ToArray();
        ring.Complete();

        (await Wait.For(Task.WhenAll(waiting), "the readers to wake")).Should().AllBeEquivalentTo(false);
        (await ring.WaitToReadAsync(0)).Should().BeFalse("a completed empty ring answers at once");
    }

    [Fact]
    public async Task A_cancelled_wait_to_read_throws_and_the_reader_can_wait_again()
    {
        var ring = new RingBuffer<int>(capacity: 4, overflowCapacity: 0, readers: 1);
        using var cancel = new CancellationTokenSource();

        var waiting = ring.WaitToReadAsync(0, cancel.Token).AsTask();
        cancel.Cancel();

        await FluentActions.Awaiting(() => Wait.For(waiting, "the cancelled wait")).Should().ThrowAsync<OperationCanceledException>();
        var again = ring.WaitToReadAsync(0).AsTask();
        ring.TryWrite(Item(1));
        (await Wait.For(again, "the second wait")).Should().BeTrue();
    }

    [Fact]
    public async Task A_writer_waiting_for_space_is_let_go_once_a_quarter_of_the_capacity_is_free()
    {
        var ring = new RingBuffer<int>(capacity: 8, overflowCapacity: 0, readers: 1);
        for (var i = 0; i < 8; i++)
        {
            ring.TryWrite(Item(i));
        }

        var waiting = ring.WaitForSpaceAsync(untilHalt: false, CancellationToken.None).AsTask();
        ring.TryRead(out _);
        var afterOne = waiting.IsCompleted;
        ring.TryRead(out _);

        afterOne.Should().BeFalse("one free slot is not yet a quarter of eight");
        await Wait.For(waiting, "the writer to be let go");
        ring.TryWrite(Item(8)).Should().Be(WriteResult.Accepted);
    }

    [Fact]
    public async Task Closing_lets_waiting_writers_go_and_their_retry_is_refused()
    {
        var ring = new RingBuffer<int>(capacity: 1, overflowCapacity: 0, readers: 1);
        ring.TryWrite(Item(0));

        var waiting = ring.WaitForSpaceAsync(untilHalt: false, CancellationToken.None).AsTask();
        var untilHalt = ring.WaitForSpaceAsync(untilHalt: true, CancellationToken.None).AsTask();
        ring.Close();

        await Wait.For(waiting, "the writer to be let go");
        ring.TryWrite(Item(1)).Should().Be(WriteResult.Closed);

        // A put-back may be woken by the close too (waiters share one signal), but when it looks again the
        // ring is still full and only closed: it waits on, until room or a halt.
        await Wait.For(untilHalt, "the shared signal");
        var again = ring.WaitForSpaceAsync(untilHalt: true, CancellationToken.None).AsTask();
        again.IsCompleted.Should().BeFalse();
        ring.Halt();
        await Wait.For(again, "the put-back to be let go by the halt");
    }

    [Fact]
    public async Task Readers_and_writers_on_many_threads_move_every_item_exactly_once()
    {
        // 8 producers x 4 competing readers through a small ring: readers park and wake all the time.
        const int producers = 8;
        const int perProducer = 50_000;
        const int readers = 4;
        var ring = new RingBuffer<int>(capacity: 64, overflowCapacity: 0, readers: readers);
        var seen = new int[producers * perProducer];
        long remaining = producers * perProducer;

        var reading = Enumerable.Range(0, readers).Select(r => Task.Run(async () =>
        {
            while (await ring.WaitToReadAsync(r))
            {
                while (ring.TryRead(out var item))
                {
                    Interlocked.Increment(ref seen[item.Item]);
                    if (Interlocked.Decrement(ref remaining) == 0)
                    {
                        ring.Complete();
                    }
                }
            }
        })).ToArray();
        var writing = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                var item = Item((p * perProducer) + i);
                while (ring.TryWrite(item) == WriteResult.Full)
                {
                    await ring.WaitForSpaceAsync(untilHalt: false, CancellationToken.None);
                }
            }
        })).ToArray();

        await Wait.For(Task.WhenAll(writing), "the producers");
        await Wait.For(Task.WhenAll(reading), "the readers");
        seen.Should().AllBeEquivalentTo(1);
        ring.Written.Should().Be(producers * perProducer);
    }

    [Fact]
    public async Task One_reader_sees_each_producers_items_in_the_order_they_were_written()
    {
        const int producers = 8;
        const int perProducer = 50_000;
        var ring = new RingBuffer<long>(capacity: 128, overflowCapacity: 0, readers: 1);
        var last = new long[producers];
        Array.Fill(last, -1);
        var outOfOrder = 0;
        long received = 0;

        var reading = Task.Run(async () =>
        {
            while (await ring.WaitToReadAsync(0))
            {
                while (ring.TryRead(out var item))
                {
                    var producer = (int)(item.Item / perProducer);
                    var index = item.Item % perProducer;
                    if (index != last[producer] + 1)
                    {
                        outOfOrder++;
                    }

                    last[producer] = index;
                    if (++received == producers * perProducer)
                    {
                        ring.Complete();
                    }
                }
            }
        });
        var writing = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (long i = 0; i < perProducer; i++)
            {
                var item = new WorkItem<long>((p * (long)perProducer) + i, null);
                while (ring.TryWrite(item) == WriteResult.Full)
                {
                    await ring.WaitForSpaceAsync(untilHalt: false, CancellationToken.None);
                }
            }
        })).ToArray();

        await Wait.For(Task.WhenAll(writing), "the producers");
        await Wait.For(reading, "the reader");
        outOfOrder.Should().Be(0);
        received.Should().Be(producers * perProducer);
    }

    private static WorkItem<int> Item(int value) => new(value, null);

    private static List<int> ReadAll(RingBuffer<int> ring)
    {
        var items = new List<int>();
        while (ring.TryRead(out var item))
        {
            items.Add(item.Item);
        }

        return items;
    }
}
