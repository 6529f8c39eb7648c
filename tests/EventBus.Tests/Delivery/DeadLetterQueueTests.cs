using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.Delivery;

public sealed class DeadLetterQueueTests
{
    [Fact]
    public async Task TakeAll_with_a_predicate_that_throws_loses_no_letter()
    {
        var queue = new DeadLetterQueue();
        for (var i = 0; i < 5; i++)
        {
            await queue.WriteAsync(Letter(i), CancellationToken.None);
        }

        var seen = 0;
        var take = () => queue.TakeAll(letter => ++seen < 3 ? (int)((Ping)letter.Message).Sequence % 2 == 0 : throw new InvalidOperationException("the predicate fails"));

        take.Should().Throw<InvalidOperationException>();
        queue.Count.Should().Be(5, "a predicate that throws leaves every letter where it was");
        queue.ToList().Select(l => ((Ping)l.Message).Sequence).Should().Equal([0, 1, 2, 3, 4], "in their order");
        queue.TakeAll(letter => ((Ping)letter.Message).Sequence % 2 == 0).Select(l => ((Ping)l.Message).Sequence).Should().Equal([0, 2, 4]);
        queue.ToList().Select(l => ((Ping)l.Message).Sequence).Should().Equal([1, 3]);
    }

    private static DeadLetter Letter(int sequence)
    {
        var now = DateTimeOffset.UnixEpoch;
        return new DeadLetter(new Ping(0, sequence), typeof(Ping), null, "test", new InvalidOperationException(), 1, now, now);
    }
}
