using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class DeadLetterTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_dead_letter_keeps_the_item_the_exception_type_and_message_and_every_attempt()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(new TestJob(1, "card declined"), "customer-9");
        var item = (await jobs.ClaimAsync(1))[0];
        var firstFailure = _db.Time.GetUtcNow();
        await jobs.RecordFailureAsync(item, new TimeoutException("slow"), firstFailure.AddSeconds(1), DurableRetryPlacement.KeepLease);
        _db.Time.Advance(TimeSpan.FromSeconds(1));

        await jobs.DeadLetterAsync(item, new InvalidOperationException("declined for good"));

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0);
        var letter = (await jobs.ReadDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.ItemId.Should().Be(item.Id);
        letter.Queue.Should().Be("jobs");
        letter.MessageId.Should().Be(item.MessageId);
        letter.PartitionKey.Should().Be("customer-9");
        letter.Reason.Should().Be(SqliteDeadLetterReasons.HandlerFailed);
        letter.ExceptionType.Should().Be("System.InvalidOperationException");
        letter.ExceptionMessage.Should().Be("declined for good");
        letter.Attempts.Should().Be(2);
        letter.FirstFailedAt.Should().Be(firstFailure);
        letter.DeadLetteredAt.Should().Be(_db.Time.GetUtcNow());
        System.Text.Json.JsonSerializer.Deserialize(letter.Payload, TestJson.Default.TestJob).Should().Be(new TestJob(1, "card declined"));
        (await jobs.CountAsync()).Should().Be(new DurableQueueCounts(0, 0, 0, DeadLetters: 1));
        jobs.GetStatistics().DeadLettered.Should().Be(1);
    }

    [Fact]
    public async Task A_long_exception_message_is_cut_to_the_stored_length()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        var item = (await jobs.ClaimAsync(1))[0];

        await jobs.DeadLetterAsync(item, new InvalidOperationException(new string('x', 10_000)));

        (await jobs.ReadDeadLettersAsync())[0].ExceptionMessage.Should().HaveLength(SqliteItemStore<TestJob>.MaxStoredMessageLength);
    }

    [Fact]
    public async Task Dead_letters_survive_a_restart_and_can_be_redriven_with_a_fresh_attempt_budget()
    {
        Guid messageId;
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            await jobs.EnqueueAsync(1, 2);
            var items = await jobs.ClaimAllAsync();
            messageId = items[0].MessageId;
            await jobs.RecordFailureAsync(items[0], new TimeoutException(), _db.Time.GetUtcNow(), DurableRetryPlacement.KeepLease);
            await jobs.DeadLetterAsync(items[0], new InvalidOperationException("bug"));
            await jobs.AcknowledgeAsync(items[1]);
        }

        await using var reopened = _db.Open();
        var again = TempDatabase.Jobs(reopened);
        await again.EnqueueAsync(3);
        (await again.ReadDeadLettersAsync()).Should().ContainSingle();

        (await again.RedriveDeadLettersAsync()).Should().Be(1);

        (await again.ReadDeadLettersAsync()).Should().BeEmpty();
        var claimed = await again.ClaimAllAsync();
        claimed.Numbers().Should().Equal([3, 1], "a re-driven item goes to the end of the queue");
        claimed[1].MessageId.Should().Be(messageId, "the id stays, for idempotent handlers");
        claimed[1].Attempts.Should().Be(0);
        claimed[1].FirstFailedAt.Should().BeNull();
        again.GetStatistics().Redriven.Should().Be(1);
    }

    [Fact]
    public async Task Chosen_dead_letters_can_be_redriven_and_unknown_ids_are_skipped()
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        var other = TempDatabase.Jobs(database, "other");
        await jobs.EnqueueAsync(1, 2, 3);
        await other.EnqueueAsync(4);
        foreach (var item in await jobs.ClaimAllAsync())
        {
            await jobs.DeadLetterAsync(item, new InvalidOperationException());
        }

        var otherItem = (await other.ClaimAsync(1))[0];
        await other.DeadLetterAsync(otherItem, new InvalidOperationException());
        var letters = await jobs.ReadDeadLettersAsync();
        var otherLetter = (await other.ReadDeadLettersAsync())[0];

        (await jobs.RedriveDeadLettersAsync([letters[0].Id, letters[2].Id, otherLetter.Id, 12345])).Should().Be(2);

        (await jobs.ClaimAllAsync()).Numbers().Should().Equal(1, 3);
        (await jobs.ReadDeadLettersAsync()).Select(l => l.Id).Should().Equal(letters[1].Id);
        (await other.ReadDeadLettersAsync()).Should().ContainSingle("another queue's letter is not this queue's to re-drive");
    }
}
