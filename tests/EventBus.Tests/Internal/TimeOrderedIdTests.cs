using System.Buffers.Binary;
using EventBus.Internal;

namespace EventBus.Tests.Internal;

public sealed class TimeOrderedIdTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 26, 12, 30, 45, 123, TimeSpan.Zero);

    [Fact]
    public void Ids_have_the_version_7_and_RFC_variant_bits()
    {
        for (var i = 0; i < 10_000; i++)
        {
            var id = TimeOrderedId.Next(s_time);
            id.Version.Should().Be(7);
            (Bytes(id)[8] & 0xC0).Should().Be(0x80, "the variant is 10xx (RFC 9562)");
        }
    }

    [Fact]
    public void The_first_48_bits_are_the_Unix_milliseconds_big_endian()
    {
        var id = TimeOrderedId.Next(s_time);

        var bytes = Bytes(id);
        var milliseconds = ((long)BinaryPrimitives.ReadUInt32BigEndian(bytes) << 16) | BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4));
        milliseconds.Should().Be(s_time.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Ids_sort_by_time_across_milliseconds_as_the_framework_orders_version_7_guids()
    {
        var earlier = TimeOrderedId.Next(s_time);
        var later = TimeOrderedId.Next(s_time.AddMilliseconds(1));

        string.CompareOrdinal(earlier.ToString(), later.ToString()).Should().BeNegative();
        Bytes(earlier).AsSpan(0, 6).SequenceCompareTo(Bytes(later).AsSpan(0, 6)).Should().BeNegative();
    }

    [Fact]
    public void A_time_before_1970_counts_as_1970_instead_of_failing_the_publish()
    {
        var id = TimeOrderedId.Next(DateTimeOffset.UnixEpoch.AddDays(-1));

        Bytes(id).AsSpan(0, 6).ToArray().Should().OnlyContain(b => b == 0);
        id.Version.Should().Be(7);
    }

    [Fact]
    public void A_million_ids_made_in_the_same_millisecond_on_several_threads_are_all_different()
    {
        const int Threads = 8;
        const int PerThread = 125_000;
        var ids = new Guid[Threads][];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var mine = new Guid[PerThread];
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                mine[i] = TimeOrderedId.Next(s_time);
            }

            ids[t] = mine;
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var all = new HashSet<Guid>(Threads * PerThread);
        foreach (var id in ids.SelectMany(batch => batch))
        {
            all.Add(id).Should().BeTrue($"{id} must be unique");
        }

        all.Should().HaveCount(Threads * PerThread);
    }

    [Fact]
    public void The_bus_gives_each_publish_a_version_7_id_at_its_timestamp()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(s_time);
        using var bus = EventBusFactory.Create(new EventBusOptions { TimeProvider = time });
        var contexts = new List<EventContext>();
        bus.Subscribe<string>((string _, EventContext context) => contexts.Add(context), new SubscriptionOptions { Mode = DeliveryMode.Inline });

        bus.Publish("a");
        bus.Publish("b");

        contexts.Should().HaveCount(2);
        contexts[0].Id.Should().NotBe(contexts[1].Id);
        contexts.Should().OnlyContain(c => c.Id.Version == 7 && c.Timestamp == s_time);
        BinaryPrimitives.ReadUInt32BigEndian(Bytes(contexts[0].Id)).Should().Be((uint)(s_time.ToUnixTimeMilliseconds() >> 16));
    }

    private static byte[] Bytes(Guid id) => id.ToByteArray(bigEndian: true);
}
